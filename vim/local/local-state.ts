/**
 * The `local` driver's state: one JSON record per NS instance and domain at
 * `<stateDir>/instances/<instanceId>/<domain>.json`, kept by the RecordStore
 * of state-store.ts (in a subfolder so that the hosts' sockets can sit
 * beside it).
 * It keeps what processes cannot carry: each port's IPv4 address and its
 * loopback endpoint (a link is the set of its members' address → endpoint),
 * each router's management address and NETCONF port, and each process's pid
 * with its start time (a pid is only ours while the start time matches).
 * A resource is recorded before it is created; writes are atomic.
 */
import { join } from 'node:path';
import { RecordStore, type RecordFormat } from '../state-store.js';
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

/** The local driver's records: the common fields and `driver: 'local'`, each in the file of its domain. */
const LOCAL_RECORDS: RecordFormat<LocalInstanceRecord> = {
  empty: (installationId, instanceId, domain) => ({ version: 1, driver: 'local', installationId, instanceId, domain, networks: [], routers: [], hosts: [] }),
  accepts: (r, domain): r is LocalInstanceRecord => (r as Partial<LocalInstanceRecord>).driver === 'local' && r.domain === domain,
};

/** Reads and writes the records of one installation, under `<stateDir>/instances`. */
export class LocalStateStore extends RecordStore<LocalInstanceRecord> {
  constructor(stateDir: string, installationId: string) {
    super(join(stateDir, 'instances'), installationId, LOCAL_RECORDS);
  }
}
