/**
 * ICMP echo for tests without iputils-ping (not installed on the dev/CI
 * machine): a few lines of Debian's /usr/bin/python3 on a raw socket send
 * echo requests and wait for the matching echo reply (RFC 792). The argv is
 * run either in the root namespace or through a driver's `exec`.
 */

/** Python: ping argv[1] up to argv[2] times, argv[3] seconds each; exit 0 on the first matching echo reply. */
const SCRIPT = `
import os, socket, struct, sys
dst, tries, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(wait)
ident = os.getpid() & 0xffff
for seq in range(tries):
    body = struct.pack('!HH', ident, seq) + b'qnfv-vim'
    s.sendto(struct.pack('!BBH', 8, 0, csum(b'\\x08\\x00\\x00\\x00' + body)) + body, (dst, 0))
    try:
        while True:
            data, addr = s.recvfrom(2048)
            ihl = (data[0] & 15) * 4
            t, _, _, i, q = struct.unpack('!BBHHH', data[ihl:ihl + 8])
            if t == 0 and i == ident and q == seq and addr[0] == dst:
                print('reply from', dst); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
`;

/** The argv that pings `address` (exit 0 when it answered within `tries` × `waitS` seconds). */
export function pingArgv(address: string, tries = 3, waitS = 1): string[] {
  return ['/usr/bin/python3', '-c', SCRIPT, address, String(tries), String(waitS)];
}
