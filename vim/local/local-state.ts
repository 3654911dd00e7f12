/**
 * The `local` driver's state: one JSON record per NS instance and domain at
 * `<stateDir>/instances/<instanceId>/<domain>.json` (as the netns driver's
 * StateStore, in a subfolder so that the hosts' sockets can sit beside it).
 * It keeps what processes cannot carry: each port's IPv4 address and its
 * loopback endpoint (a link is the set of its members' address → endpoint),
 * each router's management address and NETCONF port, and each process's pid
 * with its start time (a pid is only ours while the start time matches).
 * A resource is recorded before it is created; writes are atomic.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkKind, RouteSpec } from '../types.js';

/** A process the driver started: its pid and `/proc/<pid>/stat` start time (clock ticks since boot). */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

/** A link this domain ensured. */
export interface LocalNetworkRecord {
  id: string;
  kind: NetworkKind;
  /** The link's UDP port (see wire-claims.ts). */
  linkPort: number;
}

/** A port of a router or host: IPv4 address on the link → loopback endpoint. */
export interface LocalPortRecord {
  name: string;
  network: string;
  /** `a.b.c.d/len`. */
  address: string;
  /** `127.x.y.z:port`. */
  endpoint: string;
}

export interface LocalRouterRecord {
  vnfId: string;
  sandbox: string;
  ports: LocalPortRecord[];
  routes: RouteSpec[];
  /** Loopback address and port of the router's NETCONF server. */
  mgmt: { address: string; netconfPort: number };
  process?: ProcessRef;
  logFile?: string;
}

export interface LocalHostRecord {
  id: string;
  sandbox: string;
  port: LocalPortRecord;
  gateway: string;
  /** The host program's control socket (`exec`). */
  control: string;
  logFile: string;
  process?: ProcessRef;
}

/** Everything one domain created for one NS instance. */
export interface LocalInstanceRecord {
  version: 1;
  driver: 'local';
  installationId: string;
  instanceId: string;
  domain: string;
  networks: LocalNetworkRecord[];
  routers: LocalRouterRecord[];
  hosts: LocalHostRecord[];
}

/** Virtual link ids a record uses: links it ensured and links its ports sit on. */
export function usedNetworks(r: LocalInstanceRecord): Set<string> {
  return new Set([...r.networks.map((n) => n.id), ...r.routers.flatMap((x) => x.ports.map((p) => p.network)), ...r.hosts.map((h) => h.port.network)]);
}

function isRecord(x: unknown, installationId: string): x is LocalInstanceRecord {
  const r = x as Partial<LocalInstanceRecord> | null;
  return (
    !!r &&
    r.version === 1 &&
    r.driver === 'local' &&
    r.installationId === installationId &&
    typeof r.instanceId === 'string' &&
    typeof r.domain === 'string' &&
    Array.isArray(r.networks) &&
    Array.isArray(r.routers) &&
    Array.isArray(r.hosts)
  );
}

/** Reads and writes the records of one installation. */
export class LocalStateStore {
  private readonly root: string;

  constructor(
    readonly dir: string,
    private readonly installationId: string,
  ) {
    this.root = join(dir, 'instances');
  }

  path(instanceId: string, domain: string): string {
    return join(this.root, instanceId, `${domain}.json`);
  }

  async read(instanceId: string, domain: string): Promise<LocalInstanceRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path(instanceId, domain), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed, this.installationId) && parsed.instanceId === instanceId && parsed.domain === domain ? parsed : undefined;
  }

  async write(record: LocalInstanceRecord): Promise<void> {
    await mkdir(join(this.root, record.instanceId), { recursive: true, mode: 0o700 });
    const file = this.path(record.instanceId, record.domain);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  }

  /** Read (or start) a record, change it, write it back. */
  async update(instanceId: string, domain: string, change: (r: LocalInstanceRecord) => void): Promise<LocalInstanceRecord> {
    const r = (await this.read(instanceId, domain)) ?? { version: 1, driver: 'local', installationId: this.installationId, instanceId, domain, networks: [], routers: [], hosts: [] };
    change(r);
    await this.write(r);
    return r;
  }

  /** Delete one record (and the instance's folder once empty); true when a record was deleted. */
  async remove(instanceId: string, domain: string): Promise<boolean> {
    const existed = (await this.read(instanceId, domain).catch(() => undefined)) !== undefined;
    await rm(this.path(instanceId, domain), { force: true });
    await rmdir(join(this.root, instanceId)).catch(() => undefined);
    return existed;
  }

  /** Delete the instance's folder with whatever it holds. */
  async removeInstance(instanceId: string): Promise<void> {
    await rm(join(this.root, instanceId), { recursive: true, force: true });
  }

  async readInstance(instanceId: string): Promise<LocalInstanceRecord[]> {
    const files = await readdir(join(this.root, instanceId)).catch(() => [] as string[]);
    const records = await Promise.all(files.filter((f) => f.endsWith('.json')).map((f) => this.read(instanceId, f.slice(0, -'.json'.length)).catch(() => undefined)));
    return records.filter((r): r is LocalInstanceRecord => r !== undefined);
  }

  async readAll(): Promise<LocalInstanceRecord[]> {
    return (await Promise.all((await this.instanceIds()).map((id) => this.readInstance(id)))).flat();
  }

  /** Instance ids that have a folder (even an empty or unreadable one). */
  async instanceIds(): Promise<string[]> {
    const dirs = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return dirs.filter((d) => d.isDirectory()).map((d) => d.name);
  }
}
