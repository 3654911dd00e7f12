/**
 * Messages between the router's main thread (NETCONF agent) and its data
 * path worker. SA entries travel with their keys by structured clone inside
 * the process; each side zeroes its copy when the SA goes away.
 */
import type { MessagePort } from 'node:worker_threads';
import type { IkelessNotification, SadEntry, SadEntryState, SpdEntry } from '../../common/ikeless/types.js';
import type { UdpWireConfig } from '../wire/wire-config.js';
import type { WireDatapathStats } from '../wire/wire-datapath.js';

/** One all-or-nothing change of the data path's SAD/SPD. */
export interface DatapathEdit {
  addSa: SadEntry[];
  deleteSa: string[];
  addPolicy: SpdEntry[];
  deletePolicy: string[];
}

export type ControlRequest =
  | { id: number; op: 'apply'; edit: DatapathEdit }
  | { id: number; op: 'state' }
  /** UDP wires only: the prefixes routed into the tunnel (on a TUN, the kernel's routes do this). */
  | { id: number; op: 'tunnel-routes'; prefixes: string[] }
  | { id: number; op: 'stop' };

/** What `state` returns. */
export interface DatapathState {
  sas: { name: string; spi: number; direction: 'inbound' | 'outbound'; state: SadEntryState; authFailures: number; replayDrops: number }[];
  counters: { encrypted: number; decrypted: number; bypassed: number; drops: Record<string, number> };
  /** On a TUN. */
  tun?: { readTruncated: number; writeRejected: number };
  /** On UDP wires. */
  wire?: WireDatapathStats;
}

export type ControlResponse = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: string };

/** Worker → main: an RFC 9061 notification, or the worker is ready / failed to start. */
export type DatapathEvent =
  | { type: 'notification'; notification: IkelessNotification }
  | { type: 'ready'; device: string }
  | { type: 'fatal'; error: string };

/** Data the worker starts with. */
export interface DatapathWorkerData {
  /** The TUN to read, unless `wire` is given. */
  tunName: string;
  /** Packet I/O on UDP wires instead of the TUN. */
  wire?: UdpWireConfig;
  localAddresses: string[];
  /** Shared stop flag (Int32Array over a SharedArrayBuffer). */
  stop: SharedArrayBuffer;
  controlPort: MessagePort;
}
