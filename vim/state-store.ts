/**
 * The VIM's own small state: one JSON record per NS instance and domain, at
 * `<root>/<instanceId>/<domain>.json`. It keeps the full ids and names that
 * the resources cannot carry. A resource is recorded before it is created,
 * so that a crash part-way leaves nothing removeInstance/reconcile cannot
 * find. Records of several domains sit side by side because a host can run
 * two domains' VIMs that share a network (the WAN). Writes are atomic
 * (temporary file + rename).
 * RecordStore keeps any driver's records (local-state.ts has the local
 * driver's); StateStore keeps the netns and docker drivers' records at
 * `<stateDir>/<instanceId>/<domain>.json` (stateDir defaults to
 * `/run/qnfv/vim/<installationId>`, a tmpfs that vanishes with the
 * namespaces at reboot).
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkKind, PortSpec } from './types.js';

/** What every driver's record holds: its ids, and the networks, routers and hosts one domain made for one instance. */
export interface RecordBase {
  version: 1;
  installationId: string;
  instanceId: string;
  domain: string;
  networks: { id: string }[];
  routers: { vnfId: string; ports: { network: string }[] }[];
  hosts: { id: string; port: { network: string } }[];
}

/** How one driver's records look. */
export interface RecordFormat<R extends RecordBase> {
  /** A record with nothing in it. */
  empty(installationId: string, instanceId: string, domain: string): R;
  /** Whether a file's content, which has the common fields, is a record of this format (the file of `domain`). */
  accepts(r: RecordBase, domain: string): r is R;
}

/** Routers, hosts and networks that leave a domain's record (scale-in). */
export interface LeavingNodes {
  routers: ReadonlySet<string>;
  hosts: ReadonlySet<string>;
  networks: readonly string[];
}

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
export function referencedNetworks(r: RecordBase): Set<string> {
  return new Set([...r.networks.map((n) => n.id), ...r.routers.flatMap((x) => x.ports.map((p) => p.network)), ...r.hosts.map((h) => h.port.network)]);
}

/** Virtual link ids any of the records uses. */
export function networksUsedBy(records: readonly RecordBase[]): Set<string> {
  return new Set(records.flatMap((r) => [...referencedNetworks(r)]));
}

/** An instance's records split: those of `domain` (all when undefined) and the other domains'. */
export function splitByDomain<R extends RecordBase>(records: readonly R[], domain: string | undefined): { mine: R[]; others: R[] } {
  const mine = records.filter((r) => domain === undefined || r.domain === domain);
  return { mine, others: records.filter((r) => !mine.includes(r)) };
}

function hasRecordFields(x: unknown, installationId: string): x is RecordBase {
  const r = x as Partial<RecordBase> | null;
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

/** Keep the items of a list that `stays` accepts (in place). */
function keep<T>(list: T[], stays: (x: T) => boolean): void {
  list.splice(0, list.length, ...list.filter(stays));
}

/** Reads and writes the records of one installation under `root`. */
export class RecordStore<R extends RecordBase> {
  constructor(
    readonly root: string,
    private readonly installationId: string,
    private readonly format: RecordFormat<R>,
  ) {}

  /** Path of one record. */
  path(instanceId: string, domain: string): string {
    return join(this.root, instanceId, `${domain}.json`);
  }

  /** One domain's record of an instance, or undefined. */
  async read(instanceId: string, domain: string): Promise<R | undefined> {
    let text: string;
    try {
      text = await readFile(this.path(instanceId, domain), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    return hasRecordFields(parsed, this.installationId) && parsed.instanceId === instanceId && this.format.accepts(parsed, domain) ? parsed : undefined;
  }

  /** Write a record atomically. */
  async write(record: R): Promise<void> {
    await mkdir(join(this.root, record.instanceId), { recursive: true, mode: 0o700 });
    const file = this.path(record.instanceId, record.domain);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  }

  /** Read (or start) a record, change it, write it back; returns the new record. */
  async update(instanceId: string, domain: string, change: (r: R) => void): Promise<R> {
    const r = (await this.read(instanceId, domain)) ?? this.format.empty(this.installationId, instanceId, domain);
    change(r);
    await this.write(r);
    return r;
  }

  /** Put `router` in place of the recorded router of the same VNF id. */
  async saveRouter(instanceId: string, domain: string, router: R['routers'][number]): Promise<void> {
    await this.update(instanceId, domain, (r) => {
      const i = r.routers.findIndex((x) => x.vnfId === router.vnfId);
      if (i >= 0) r.routers[i] = router;
    });
  }

  /** Put `host` in place of the recorded host of the same id. */
  async saveHost(instanceId: string, domain: string, host: R['hosts'][number]): Promise<void> {
    await this.update(instanceId, domain, (r) => {
      const i = r.hosts.findIndex((x) => x.id === host.id);
      if (i >= 0) r.hosts[i] = host;
    });
  }

  /** Delete one record (and the instance's folder when it is then empty); true when a file was deleted. */
  async remove(instanceId: string, domain: string): Promise<boolean> {
    const existed = (await this.read(instanceId, domain).catch(() => undefined)) !== undefined;
    await rm(this.path(instanceId, domain), { force: true });
    await rmdir(join(this.root, instanceId)).catch(() => undefined); // fails while other domains' records remain
    await rmdir(this.root).catch(() => undefined); // the root too, once no instance is left
    return existed;
  }

  /** Delete the instance's folder with whatever it holds (reconcile: every domain's part is gone). */
  async removeInstance(instanceId: string): Promise<void> {
    await rm(join(this.root, instanceId), { recursive: true, force: true });
    await rmdir(this.root).catch(() => undefined);
  }

  /**
   * Delete these records of an instance; with `wholeInstance` (every domain's
   * part removed) the instance's folder too, unreadable leftovers included.
   * How many records were deleted.
   */
  async removeRecords(instanceId: string, records: readonly R[], wholeInstance: boolean): Promise<number> {
    let removed = 0;
    for (const r of records) if (await this.remove(instanceId, r.domain)) removed++;
    if (wholeInstance) await this.removeInstance(instanceId);
    return removed;
  }

  /**
   * Scale-in: drop the leaving routers, hosts and networks from a domain's
   * record (`record`, as read before), and the record once nothing is left in
   * it. 1 when there was a record, else 0.
   */
  async dropNodes(record: R | undefined, leaving: LeavingNodes): Promise<number> {
    if (!record) return 0;
    const left = await this.update(record.instanceId, record.domain, (r) => {
      keep(r.routers, (x) => !leaving.routers.has(x.vnfId));
      keep(r.hosts, (h) => !leaving.hosts.has(h.id));
      keep(r.networks, (n) => !leaving.networks.includes(n.id));
    });
    // Nothing of the instance left in this domain: no record either (terminate will not ask this domain).
    if (left.routers.length + left.hosts.length + left.networks.length === 0) await this.remove(record.instanceId, record.domain);
    return 1;
  }

  /** Every domain's record of an instance. */
  async readInstance(instanceId: string): Promise<R[]> {
    const files = await readdir(join(this.root, instanceId)).catch(() => [] as string[]);
    const records: (R | undefined)[] = await Promise.all(
      files.filter((f) => f.endsWith('.json')).map((f) => this.read(instanceId, f.slice(0, -'.json'.length)).catch(() => undefined)),
    );
    return records.filter((r): r is R => r !== undefined);
  }

  /** Every record of the installation. */
  async readAll(): Promise<R[]> {
    return (await Promise.all((await this.instanceIds()).map((id) => this.readInstance(id)))).flat();
  }

  /** Instance ids that have a folder (even an empty or unreadable one). */
  async instanceIds(): Promise<string[]> {
    const dirs = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return dirs.filter((d) => d.isDirectory()).map((d) => d.name);
  }
}

/** The netns and docker drivers' records. */
const NAMESPACE_RECORDS: RecordFormat<InstanceRecord> = {
  empty: emptyRecord,
  accepts: (_r): _r is InstanceRecord => true,
};

/** The netns and docker drivers' store: records at `<dir>/<instanceId>/<domain>.json`. */
export class StateStore extends RecordStore<InstanceRecord> {
  constructor(
    readonly dir: string,
    installationId: string,
  ) {
    super(dir, installationId, NAMESPACE_RECORDS);
  }
}
