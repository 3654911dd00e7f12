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
    for (const a of tunnelAddresses) await ip(['route', 'replace', `${a}/32`, 'dev', this.tun]);
  }

  /** Make the set of protected remote prefixes equal to `wanted` (reference-counted by policy). */
  async sync(wanted: string[]): Promise<void> {
    const counts = new Map<string, number>();
    for (const p of wanted) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [p] of counts) {
      if (!this.prefixes.has(p)) {
        await ip(['route', 'replace', p, 'dev', this.tun]);
        log.info('route into tunnel added', { prefix: p });
      }
    }
    for (const [p] of this.prefixes) {
      if (!counts.has(p)) {
        await ip(['route', 'del', p, 'dev', this.tun]).catch((err: Error) => log.warn('route removal failed', { prefix: p, error: err.message }));
        log.info('route into tunnel removed', { prefix: p });
      }
    }
    this.prefixes.clear();
    for (const [p, n] of counts) this.prefixes.set(p, n);
  }
}
