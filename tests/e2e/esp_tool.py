#!/usr/bin/python3
"""Independent ESP checks for the end-to-end test, with Scapy (scapy.layers.ipsec).

  esp_tool.py decrypt PCAP SAS.json   -> JSON: one entry per ESP packet, decrypted with Scapy
  esp_tool.py inject  PCAP SPI        -> sends, through a raw socket, (1) an exact replay of the
                                          first captured ESP packet with SPI and (2) a copy with a
                                          fresh sequence number and one flipped ciphertext byte

SAS.json: [{"spi": int, "key": "hex of key||salt", "src": "a.b.c.d", "dst": "a.b.c.d"}]
"""
import json
import socket
import struct
import sys
import warnings

warnings.filterwarnings("ignore")
from scapy.all import IP, rdpcap  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402


def esp_packets(pcap):
    for p in rdpcap(pcap):
        if IP in p and p[IP].proto == 50:
            yield p[IP]


def decrypt(pcap, sas_file):
    sas = {s["spi"]: s for s in json.load(open(sas_file))}
    out = []
    for ip in esp_packets(pcap):
        spi, seq = ip[ESP].spi, ip[ESP].seq
        entry = {"spi": spi, "seq": seq, "src": ip.src, "dst": ip.dst}
        s = sas.get(spi)
        if s is None:
            entry["error"] = "unknown SPI"
        else:
            sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=bytes.fromhex(s["key"]),
                                     auth_algo="NULL", tunnel_header=IP(src=s["src"], dst=s["dst"]))
            try:
                inner = sa.decrypt(ip.copy())  # decrypt() mutates its argument
                entry.update({"ok": True, "inner_src": inner.src, "inner_dst": inner.dst, "inner_proto": inner.proto})
            except Exception as e:  # IPSecIntegrityError and friends
                entry.update({"ok": False, "error": type(e).__name__})
        out.append(entry)
    print(json.dumps(out))


def inject(pcap, spi):
    first = next(ip for ip in esp_packets(pcap) if ip[ESP].spi == spi)
    raw = bytes(first)
    ihl = (raw[0] & 15) * 4
    replay = raw
    # Fresh sequence number (inside the window, never seen) and one flipped ciphertext byte:
    # the replay check passes, the ICV check must fail.
    seq = struct.unpack("!I", raw[ihl + 4:ihl + 8])[0]
    tampered = bytearray(raw)
    tampered[ihl + 4:ihl + 8] = struct.pack("!I", seq + 40)
    tampered[ihl + 20] ^= 0x01
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    for pkt in (replay, bytes(tampered)):
        s.sendto(pkt, (first.dst, 0))
    print(json.dumps({"sent": 2, "spi": spi, "seq": seq}))


if __name__ == "__main__":
    if sys.argv[1] == "decrypt":
        decrypt(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "inject":
        inject(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: esp_tool.py decrypt PCAP SAS.json | inject PCAP SPI")
