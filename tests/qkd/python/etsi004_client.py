#!/usr/bin/python3
"""Independent ETSI GS QKD 004 client (JSON over TCP dialect of CONTRACTS.md),
standard library only (socket + json), written apart from the TypeScript
client. It runs the key-id synchronisation of the Hybridization Module:
side A OPEN_CONNECT without KSID, GET_KEY index 0; side B OPEN_CONNECT with
that KSID, GET_KEY index 0; an OPEN_CONNECT at B with a KSID nobody offered;
CLOSE on both sides. Prints every response as one JSON object on stdout.

usage: etsi004_client.py PORT_A PORT_B NODE_A NODE_B newline|bare [COMBINER]
  newline: each request ends with "\n"; bare: no terminator (as QUBIP's clients).
"""
import json
import socket
import sys
import uuid


class Client:
    def __init__(self, port, terminate):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.terminate = terminate
        self.buf = b""

    def call(self, command, data):
        msg = json.dumps({"command": command, "data": data}).encode("utf-8")
        if self.terminate:
            msg += b"\n"
        self.sock.sendall(msg)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))

    def close(self):
        self.sock.close()


def main(argv):
    port_a, port_b, node_a, node_b, mode = int(argv[1]), int(argv[2]), argv[3], argv[4], argv[5]
    combiner = argv[6] if len(argv) > 6 else "kdf"
    terminate = mode == "newline"
    src = "hybrid://PY_1@%s?hybridization=%s&key_sources=ML-KEM-512,QKD" % (node_a, combiner)
    dst = "hybrid://PY_1@%s?hybridization=%s&key_sources=ML-KEM-512,QKD" % (node_b, combiner)
    qos = {"key_chunk_size": 32, "max_bps": 32, "min_bps": 32, "jitter": 0, "priority": 0,
           "timeout": 0, "ttl": 0, "metadata_mimetype": "application/json"}
    a = Client(port_a, terminate)
    b = Client(port_b, terminate)
    out = {}
    out["open_a"] = a.call("OPEN_CONNECT", {"source": src, "destination": dst, "qos": qos})
    ksid = out["open_a"].get("key_stream_id")
    out["get_a"] = a.call("GET_KEY", {"key_stream_id": ksid, "index": 0, "metadata": {"size": 1024, "buffer": ""}})
    out["open_b"] = b.call("OPEN_CONNECT", {"source": src, "destination": dst, "qos": qos, "key_stream_id": ksid})
    out["get_b"] = b.call("GET_KEY", {"key_stream_id": ksid, "index": 0})
    out["unknown_b"] = b.call("OPEN_CONNECT", {"source": src, "destination": dst, "qos": qos,
                                               "key_stream_id": str(uuid.uuid4())})
    out["close_a"] = a.call("CLOSE", {"key_stream_id": ksid})
    out["close_b"] = b.call("CLOSE", {"key_stream_id": ksid})
    a.close()
    b.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
