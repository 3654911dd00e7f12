#!/usr/bin/python3
"""Scapy (scapy.layers.ipsec, Debian python3-scapy 2.5) as an independent ESP
tunnel-mode peer for the engine's interop tests (RFC 4303, RFC 4106,
RFC 3602 + RFC 4868).

Protocol: one JSON request per stdin line, one JSON reply per stdout line.
  {"op": "encrypt", "sa": SA, "items": [{"inner": hex, "seq": n, "esn_hi": n}]}
      -> {"packets": [hex]}
  {"op": "decrypt", "sa": SA, "items": [{"packet": hex, "esn_hi": n}]}
      -> {"results": [{"ok": true, "inner": hex, "spi", "seq", "ttl", "proto",
                       "next_header", "trailer": hex} | {"ok": false, "error": str}]}
SA = {"spi", "crypt_algo" ("AES-GCM"|"AES-CBC"), "crypt_key" hex (GCM: key||salt),
      "auth_algo" ("NULL"|"SHA2-256-128"), "auth_key" hex, "src", "dst", "esn": bool,
      "nat_t": {"sport", "dport"} for ESP-in-UDP (RFC 3948, Scapy's nat_t_header)}
Decrypt results of ESP-in-UDP packets also carry "udp": {"sport", "dport", "len", "chksum"}.

Scapy 2.5 leaves the implicit ESN high half out of the ESP ICV for non-AEAD
algorithms (AuthAlgo.sign/verify use it for AH only), so for CBC+HMAC with ESN
the ICV is computed here per RFC 4303 §2.2.1 with Python's hmac module.
The trailer is re-derived with python3-cryptography, because Scapy 2.5's
_ESPPlain.padding is sliced from the already-truncated data.
Scapy 2.5 builds the ESP-in-UDP header before the ESP payload is attached, so
its UDP length says 8; encrypt() writes the real length (RFC 768) into it.
"""
import hashlib
import hmac
import json
import struct
import sys
import warnings

warnings.filterwarnings("ignore")

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from scapy.all import IP, UDP, IPv6, raw  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402


def make_sa(spec):
    auth_key = bytes.fromhex(spec["auth_key"]) if spec.get("auth_key") else None
    return SecurityAssociation(
        ESP,
        spi=spec["spi"],
        crypt_algo=spec["crypt_algo"],
        crypt_key=bytes.fromhex(spec["crypt_key"]),
        auth_algo=spec["auth_algo"],
        auth_key=auth_key,
        tunnel_header=(IPv6 if ":" in spec["src"] else IP)(src=spec["src"], dst=spec["dst"]),
        nat_t_header=UDP(sport=spec["nat_t"]["sport"], dport=spec["nat_t"]["dport"]) if spec.get("nat_t") else None,
        esn_en=spec.get("esn", False),
    )


def ip_packet(data):
    """An IPv4 or IPv6 packet from its bytes, by the version nibble."""
    return IPv6(data) if data[0] >> 4 == 6 else IP(data)


def hmac_esn_icv(spec, covered, esn_hi):
    key = bytes.fromhex(spec["auth_key"])
    return hmac.new(key, covered + struct.pack("!L", esn_hi), hashlib.sha256).digest()[:16]


def plaintext(spec, esp_raw, esn_hi):
    """Decrypt the ESP payload independently of Scapy and return it with its trailer."""
    key = bytes.fromhex(spec["crypt_key"])
    if spec["crypt_algo"] == "AES-GCM":
        iv, body = esp_raw[8:16], esp_raw[16:]
        if spec.get("esn"):
            aad = esp_raw[0:4] + struct.pack("!L", esn_hi) + esp_raw[4:8]
        else:
            aad = esp_raw[0:8]
        return AESGCM(key[:-4]).decrypt(key[-4:] + iv, body, aad)
    iv, ct = esp_raw[8:24], esp_raw[24:-16]
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(ct) + dec.finalize()


def encrypt(spec, items):
    sa = make_sa(spec)
    packets = []
    for it in items:
        hi = it.get("esn_hi", 0)
        pkt = sa.encrypt(ip_packet(bytes.fromhex(it["inner"])), seq_num=it["seq"], esn_en=spec.get("esn", False), esn=hi)
        data = raw(pkt)
        if spec["auth_algo"] != "NULL" and spec.get("esn"):
            esp_raw = raw(pkt[ESP])
            data = data[:-16] + hmac_esn_icv(spec, esp_raw[:-16], hi)
        if spec.get("nat_t") and data[0] >> 4 == 6:
            # Over IPv6 the UDP checksum is mandatory (RFC 8200 §8.1): length and checksum rebuilt.
            p6 = IPv6(data)
            del p6[UDP].len
            del p6[UDP].chksum
            data = raw(p6)
        elif spec.get("nat_t"):
            ihl = (data[0] & 0x0F) * 4
            data = data[:ihl + 4] + struct.pack("!H", len(data) - ihl) + data[ihl + 6:]
        packets.append(data.hex())
    return packets


def decrypt(spec, items):
    sa = make_sa(spec)
    results = []
    for it in items:
        pkt = ip_packet(bytes.fromhex(it["packet"]))
        v6 = IPv6 in pkt and pkt[0].version == 6
        hi = it.get("esn_hi", 0)
        udp = None
        if UDP in pkt:
            # Scapy binds ESP to UDP port 4500 only: parse other ESP-in-UDP ports here.
            u = pkt[UDP]
            udp = {"sport": u.sport, "dport": u.dport, "len": u.len, "chksum": u.chksum}
            if v6:
                # The checksum Scapy computes for the same datagram (RFC 8200 §8.1 pseudo-header).
                again = pkt.copy()
                del again[UDP].chksum
                udp["expected_chksum"] = IPv6(raw(again))[UDP].chksum
            if ESP not in pkt:
                data = raw(u.payload)
                u.remove_payload()
                u.add_payload(ESP(data))
        try:
            esp_raw = raw(pkt[ESP])
            if spec["auth_algo"] != "NULL" and spec.get("esn"):
                if not hmac.compare_digest(esp_raw[-16:], hmac_esn_icv(spec, esp_raw[:-16], hi)):
                    raise ValueError("ICV mismatch (HMAC with ESN high half)")
                inner = sa.decrypt(pkt.copy(), verify=False, esn_en=True, esn=hi)
            else:
                inner = sa.decrypt(pkt.copy(), esn_en=spec.get("esn", False), esn=hi)
            pt = plaintext(spec, esp_raw, hi)
            pad_len = pt[-2]
            results.append({
                "ok": True,
                "inner": raw(inner).hex(),
                "spi": pkt[ESP].spi,
                "seq": pkt[ESP].seq,
                "ttl": pkt.hlim if v6 else pkt.ttl,
                "proto": pkt.nh if v6 else pkt.proto,
                "next_header": pt[-1],
                "trailer": pt[len(pt) - 2 - pad_len:].hex(),
                "udp": udp,
            })
        except Exception as err:  # report, the test decides
            results.append({"ok": False, "error": "%s: %s" % (type(err).__name__, err)})
    return results


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if req["op"] == "encrypt":
                reply = {"packets": encrypt(req["sa"], req["items"])}
            elif req["op"] == "decrypt":
                reply = {"results": decrypt(req["sa"], req["items"])}
            elif req["op"] == "ping":
                reply = {"pong": True}
            else:
                reply = {"error": "unknown op %r" % req["op"]}
        except Exception as err:
            reply = {"error": "%s: %s" % (type(err).__name__, err)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
