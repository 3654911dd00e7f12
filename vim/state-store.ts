/**
 * The VIM's own small state: one JSON record per NS instance and domain, at
 * `<stateDir>/<instanceId>/<domain>.json` (stateDir defaults to
 * `/run/qnfv/vim/<installationId>`, a tmpfs that vanishes with the namespaces
 * at reboot). It keeps the full ids and names that namespaces cannot carry.
 * A resource is recorded before it is created, so that a crash part-way
 * leaves nothing removeInstance/reconcile cannot find. Records of several
 * domains sit side by side because a host can run two domains' VIMs that
 * share a network (the WAN). Writes are atomic (temporary file + rename).
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkKind, PortSpec } from './types.js';

/** A network this domain ensured. */
export interface NetworkRecord {
  id: string;
  kind: NetworkKind;
  namespace: string;
  bridge: string;
}

/** A router or host port as created. */
export interface PortRecord extends PortSpec {
  /** Name of the veth end on the network's bridge. */
  peer: string;
}

/** A router this domain created. */
export interface RouterRecord {
  vnfId: string;
  namespace: string;
  ports: PortRecord[];
  /** Set once the management subnet is allocated. */
  mgmt?: { hostInterface: string; subnet: string; hostAddress: string; routerAddress: string; prefixLength: number };
  pid?: number;
  logFile?: string;
}

/** A site host this domain created. */
export interface HostRecord {
  id: string;
  namespace: string;
  port: PortRecord;
}

/** Everything one domain created for one NS instance. */
export interface InstanceRecord {
  version: 1;
  installationId: string;
  instanceId: string;
  domain: string;
  networks: NetworkRecord[];
  routers: RouterRecord[];
  hosts: HostRecord[];
}

/** An empty record. */
export function emptyRecord(installationId: string, instanceId: string, domain: string): InstanceRecord {
  return { version: 1, installationId, instanceId, domain, networks: [], routers: [], hosts: [] };
}

/** Namespaces a record names (routers, hosts, networks). */
export function recordNamespaces(r: InstanceRecord): string[] {
  return [...r.routers.map((x) => x.namespace), ...r.hosts.map((x) => x.namespace), ...r.networks.map((x) => x.namespace)];
}

/** Virtual link ids a record uses: networks it ensured and networks its ports sit on. */
export function referencedNetworks(r: InstanceRecord): Set<string> {
  return new Set([...r.networks.map((n) => n.id), ...r.routers.flatMap((x) => x.ports.map((p) => p.network)), ...r.hosts.map((h) => h.port.network)]);
}

function isRecord(x: unknown, installationId: string): x is InstanceRecord {
  const r = x as Partial<InstanceRecord> | null;
  return (
    !!r &&
    r.version === 1 &&
    r.installationId === installationId &&
    typeof r.instanceId === 'string' &&
    typeof r.domain === 'string' &&
    Array.isArray(r.networks) &&
    Array.isArray(r.routers) &&
    Array.isArray(r.hosts)
  );
}

/** Reads and writes the records of one installation. */
export class StateStore {
  constructor(
    readonly dir: string,
    private readonly installationId: string,
  ) {}

  /** Path of one record. */
  path(instanceId: string, domain: string): string {
    return join(this.dir, instanceId, `${domain}.json`);
  }

  /** One domain's record of an instance, or undefined. */
  async read(instanceId: string, domain: string): Promise<InstanceRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path(instanceId, domain), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed, this.installationId) && parsed.instanceId === instanceId ? parsed : undefined;
  }

  /** Write a record atomically. */
  async write(record: InstanceRecord): Promise<void> {
    const dir = join(this.dir, record.instanceId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = this.path(record.instanceId, record.domain);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  }

  /** Read (or start) a record, change it, write it back; returns the new record. */
  async update(instanceId: string, domain: string, change: (r: InstanceRecord) => void): Promise<InstanceRecord> {
    const r = (await this.read(instanceId, domain)) ?? emptyRecord(this.installationId, instanceId, domain);
    change(r);
    await this.write(r);
    return r;
  }

  /** Delete one record (and the instance's folder when it is then empty); true when a file was deleted. */
  async remove(instanceId: string, domain: string): Promise<boolean> {
    const file = this.path(instanceId, domain);
    const existed = (await this.read(instanceId, domain).catch(() => undefined)) !== undefined;
    await rm(file, { force: true });
    await rmdir(join(this.dir, instanceId)).catch(() => undefined); // fails while other domains' records remain
    await rmdir(this.dir).catch(() => undefined); // the installation's folder too, once no instance is left
    return existed;
  }

  /** Delete the instance's folder with whatever it holds (reconcile: every domain's part is gone). */
  async removeInstance(instanceId: string): Promise<void> {
    await rm(join(this.dir, instanceId), { recursive: true, force: true });
    await rmdir(this.dir).catch(() => undefined);
  }

  /** Every domain's record of an instance. */
  async readInstance(instanceId: string): Promise<InstanceRecord[]> {
    const files = await readdir(join(this.dir, instanceId)).catch(() => [] as string[]);
    const records = await Promise.all(
      files.filter((f) => f.endsWith('.json')).map((f) => this.read(instanceId, f.slice(0, -'.json'.length)).catch(() => undefined)),
    );
    return records.filter((r): r is InstanceRecord => r !== undefined);
  }

  /** Every record of the installation. */
  async readAll(): Promise<InstanceRecord[]> {
    const dirs = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const all = await Promise.all(dirs.filter((d) => d.isDirectory()).map((d) => this.readInstance(d.name)));
    return all.flat();
  }

  /** Instance ids that have a folder (even an empty or unreadable one). */
  async instanceIds(): Promise<string[]> {
    const dirs = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    return dirs.filter((d) => d.isDirectory()).map((d) => d.name);
  }
}
