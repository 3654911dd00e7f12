/**
 * The router's kernel routes into its TUN: its own tunnel endpoint
 * addresses (so incoming ESP is forwarded into the data path) and the remote
 * prefixes of outbound protect policies (so site traffic is encrypted) —
 * route-based IPsec, the routes following the SPD. Runs `ip` inside the
 * router's own namespace with argument arrays, never a shell.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DriverError, createLogger } from '../common/index.js';

const run = promisify(execFile);
const log = createLogger('router.routes');
/** MTU of the routes that carry incoming ESP into the TUN (any ESP packet fits). */
const ESP_ROUTE_MTU = 65535;

async function ip(args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    throw new DriverError(['ip', ...args], typeof e.code === 'number' ? e.code : null, e.stderr ?? String(err));
  }
}

/** Routes this router keeps pointing into its TUN. */
export class RouteTable {
  private readonly prefixes = new Map<string, number>();

  constructor(private readonly tun: string) {}

  /** Bring the TUN up with its MTU and route the router's tunnel addresses into it. */
  async init(mtu: number, tunnelAddresses: string[]): Promise<void> {
    await ip(['link', 'set', 'dev', this.tun, 'mtu', String(mtu), 'up']);
    // Incoming ESP is up to ~73 bytes larger than the TUN's inner MTU: with the TUN's own MTU on
    // this route the kernel would fragment every full-size ESP packet on its way into the data
    // path, which drops outer fragments. The route's MTU lets whole ESP packets through.
    for (const a of tunnelAddresses) await ip(['route', 'replace', `${a}/${a.includes(':') ? 128 : 32}`, 'dev', this.tun, 'mtu', String(ESP_ROUTE_MTU)]);
  }

  /** Make the set of protected remote prefixes equal to `wanted` (reference-counted by policy). */
  async sync(wanted: string[]): Promise<void> {
    const counts = new Map<string, number>();
    for (const w of wanted) {
      const p = networkPrefix(w);
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    // Each route is recorded as soon as it exists, so a sync that fails half-way leaves no route untracked.
    for (const [p] of counts) {
      if (!this.prefixes.has(p)) {
        await ip(['route', 'replace', p, 'dev', this.tun]);
        this.prefixes.set(p, 0);
        log.info('route into tunnel added', { prefix: p });
      }
    }
    for (const p of [...this.prefixes.keys()]) {
      if (!counts.has(p)) {
        await ip(['route', 'del', p, 'dev', this.tun]).then(
          () => log.info('route into tunnel removed', { prefix: p }),
          (err: Error) => log.warn('route removal failed', { prefix: p, error: err.message }),
        );
        this.prefixes.delete(p);
      }
    }
    for (const [p, n] of counts) this.prefixes.set(p, n);
  }
}

/**
 * `10.2.0.7/24` → `10.2.0.0/24`: the ESP engine matches a selector by its
 * network, and the kernel refuses a route whose prefix has host bits set.
 * Anything that is not an IPv4 prefix is returned unchanged.
 */
export function networkPrefix(prefix: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(prefix.trim());
  if (!m) return prefix;
  const octets = m.slice(1, 5).map(Number);
  const len = Number(m[5]);
  if (octets.some((o) => o > 255) || len > 32) return prefix;
  const addr = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const net = (addr & mask) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 0xff}.${(net >>> 8) & 0xff}.${net & 0xff}/${len}`;
}
