#!/usr/bin/python3
"""A numbered UDP stream for loss measurements (end-to-end rekey test).

  udp_stream.py recv PORT SECONDS            -> JSON {received, first, last, missing, duplicates}
  udp_stream.py send DST PORT RATE SECONDS   -> JSON {sent}
Each datagram carries an 8-byte big-endian sequence number and padding to 200 bytes.
"""
import json
import socket
import struct
import sys
import time


def recv(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(0.2)
    seen = set()
    dups = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        if data == b"END":
            break
        seq = struct.unpack("!Q", data[:8])[0]
        if seq in seen:
            dups += 1
        seen.add(seq)
    first, last = (min(seen), max(seen)) if seen else (None, None)
    missing = sorted(set(range(first, last + 1)) - seen) if seen else []
    print(json.dumps({"received": len(seen), "first": first, "last": last, "missing": missing[:50], "missing_count": len(missing), "duplicates": dups}))


def send(dst, port, rate, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pad = b"\0" * 192
    n = int(rate * seconds)
    start = time.monotonic()
    for seq in range(n):
        target = start + seq / rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendto(struct.pack("!Q", seq) + pad, (dst, port))
    time.sleep(0.5)
    for _ in range(3):
        s.sendto(b"END", (dst, port))
    print(json.dumps({"sent": n}))


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(int(sys.argv[2]), float(sys.argv[3]))
    elif sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)
