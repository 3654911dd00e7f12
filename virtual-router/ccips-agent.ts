/**
 * The router's CCIPS agent (RFC 9061 IKE-less case): the NETCONF datastore
 * holding `ietf-i2nsf-ikeless` SAD/SPD. An `<edit-config>` is decoded,
 * merged into a candidate (the running tables with the edit's entries laid
 * over them: running-table.ts), checked by loading what it adds into a
 * scratch ESP engine and by SPI uniqueness (test-then-set), and only then
 * applied to the data path and the route table — all or nothing. An edit
 * costs O(entries it names), however many SAs the router holds.
 * NACM (RFC 8341): key leaves are `default-deny-all`; only members of the
 * configured key-reader groups see them, and only `admin` may edit.
 * `<get>` adds `ipsec-sa-state` from the data path and the data path's drop
 * counters (module qnfv-router); data path events are sent to subscribers
 * as RFC 9061 notifications.
 */
import { isDeepStrictEqual } from 'node:util';
import type { EditConfigRequest, NetconfDatastore, NetconfSessionInfo, SubtreeFilter, XmlElement } from '../common/netconf/index.js';
import { rpcError } from '../common/netconf/index.js';
import { ikelessEditFromXml, ipsecConfigToXml, ipsecDataToXml, findIkelessRoot } from '../common/ikeless/index.js';
import { IKELESS_NS, type IkelessConfig, type IkelessEdit, type SadEntry, type SadEntryState, type SpdEntry } from '../common/ikeless/types.js';
import { createLogger, errorMessage, type Logger } from '../common/index.js';
import { EspEngine } from './esp/index.js';
import { LocalAddresses } from './esp/local-addresses.js';
import type { DatapathEdit, DatapathState } from './datapath/control-messages.js';
import { datapathCountersXml } from './counters-xml.js';
import { RunningTable, type TableEdit } from './running-table.js';

type DatapathCounters = DatapathState['counters'];

const log = createLogger('router.ccips');

/** What the agent drives: the data path and the routes. */
export interface AgentBackend {
  localAddresses: string[];
  apply(edit: DatapathEdit): Promise<void>;
  state(): Promise<{ sas: { name: string; state: SadEntryState }[]; counters: DatapathCounters }>;
  syncRoutes(protectedPrefixes: string[]): Promise<void>;
}

/** `inbound/<spi>` or `outbound/<spi>`: the data path needs SPIs unique per direction. */
type SpiKey = string;

/** The candidate configuration of one `<edit-config>`: each table's pending edit of the running one. */
interface Candidate {
  sad: TableEdit<SadEntry>;
  spd: TableEdit<SpdEntry>;
}

/** The NETCONF datastore of one router. */
export class CcipsAgent implements NetconfDatastore {
  /** The running SAD and SPD; an edit touches only the entries it names. */
  private readonly sad = new RunningTable<SadEntry>();
  private readonly spd = new RunningTable<SpdEntry>();
  /** Which running SAD entry holds each SPI, per direction: kept in step with `sad` by every commit. */
  private readonly spiHolders = new Map<SpiKey, string>();
  /**
   * Whether the routes into the tunnel are known to follow the running SPD: an
   * edit that leaves the SPD alone then has no routes to set. False until the
   * first edit, and after a route rollback that failed.
   */
  private routesInSync = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** The router's tunnel addresses, compared as numbers (an IPv6 address has many spellings). */
  private readonly local: LocalAddresses;
  private readonly spiKeys = new WeakMap<SadEntry, SpiKey>();

  constructor(
    private readonly backend: AgentBackend,
    private readonly keyReaderGroups: string[],
  ) {
    this.local = new LocalAddresses(backend.localAddresses);
  }

  /** `<get-config>`: the running SAD/SPD; keys only for key readers. */
  getConfig(_source: 'running', _filter: SubtreeFilter, session: NetconfSessionInfo): XmlElement[] {
    return [ipsecConfigToXml(this.runningConfig(), { withKeys: this.mayReadKeys(session) })];
  }

  /** `<get>`: configuration plus `ipsec-sa-state` from the data path. */
  async get(_filter: SubtreeFilter, session: NetconfSessionInfo): Promise<XmlElement[]> {
    const st = await this.backend.state();
    const states = st.sas.filter((s) => this.sad.has(s.name)).map((s) => s.state);
    return [ipsecDataToXml(this.runningConfig(), states, { withKeys: this.mayReadKeys(session) }), datapathCountersXml(st.counters)];
  }

  /**
   * The data path removed an SA at its hard lifetime (RFC 9061 `sadb-expire`,
   * soft-lifetime-expire false): it leaves the running configuration too, so
   * `<get-config>` never lists an SA that no longer exists. Queued with edits.
   */
  forgetExpired(saName: string): Promise<boolean> {
    const run = this.queue.then(() => {
      const entry = this.sad.remove(saName);
      if (!entry) return false;
      this.releaseSpi(entry);
      wipe(entry);
      log.info('hard-expired SA removed from the running configuration', { sa: saName });
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** `<edit-config>` on running: decoded, checked, then applied all-or-nothing. */
  editConfig(request: EditConfigRequest, session: NetconfSessionInfo): Promise<void> {
    const run = this.queue.then(() => this.edit(request, session));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async edit(request: EditConfigRequest, session: NetconfSessionInfo): Promise<void> {
    if (!session.groups.includes('admin')) throw rpcError('access-denied', `user ${session.user} may not edit the IPsec configuration`);
    const roots: XmlElement[] = [];
    for (const el of request.config) {
      const root = el.ns === IKELESS_NS ? findIkelessRoot(el) : undefined;
      if (!root) throw rpcError('unknown-namespace', `<${el.name}> in namespace '${el.ns}' is not served by this device (only ${IKELESS_NS})`, { type: 'application' });
      roots.push(root);
    }
    const candidate: Candidate = { sad: this.sad.edit(), spd: this.spd.edit() };
    for (const root of roots) merge(candidate, ikelessEditFromXml(root, { defaultOperation: request.defaultOperation }));
    const sadChange = candidate.sad.change();
    const spdChange = candidate.spd.change();
    const dp: DatapathEdit = { addSa: sadChange.add, deleteSa: sadChange.remove, addPolicy: spdChange.add, deletePolicy: spdChange.remove };
    this.check(candidate, dp);
    if (request.testOption === 'test-only') return;
    await this.backend.apply(dp);
    await this.setRoutes(candidate, dp);
    this.commit(candidate, dp);
    log.info('configuration applied', { user: session.user, sas: this.sad.size, policies: this.spd.size, added: dp.addSa.map((s) => s.name), deleted: dp.deleteSa });
  }

  /**
   * Route the candidate's protected prefixes into the tunnel, after the data
   * path took `dp`. Routes follow the SPD alone: an edit of SAs only has none
   * to set once they are known to follow it. When they cannot be set, the
   * data path and the routes are put back as they were (all or nothing).
   */
  private async setRoutes(candidate: Candidate, dp: DatapathEdit): Promise<void> {
    if (dp.addPolicy.length === 0 && dp.deletePolicy.length === 0 && this.routesInSync) return;
    try {
      await this.backend.syncRoutes(protectedPrefixes(candidate.spd.entries()));
      this.routesInSync = true;
    } catch (err) {
      // Running still holds its keys: the data path gets back exactly what it had.
      await this.backend.apply(this.undo(dp)).catch((e: unknown) => log.error('data path rollback failed', { error: errorMessage(e) }));
      try {
        await this.backend.syncRoutes(protectedPrefixes(this.spd.values()));
        this.routesInSync = true;
      } catch (e) {
        this.routesInSync = false;
        log.error('route rollback failed', { error: errorMessage(e) });
      }
      throw rpcError('operation-failed', `routes into the tunnel could not be set, the edit was rolled back: ${errorMessage(err)}`, { type: 'application' });
    }
  }

  /** Make the candidate the running configuration; `dp` is its change. */
  private commit(candidate: Candidate, dp: DatapathEdit): void {
    for (const name of dp.deleteSa) {
      const old = this.sad.get(name)!;
      this.releaseSpi(old);
      // Keys of entries that left the running config are no longer needed here.
      wipe(old);
    }
    for (const sa of dp.addSa) this.spiHolders.set(this.spiKey(sa), sa.name);
    this.sad.commit(candidate.sad);
    this.spd.commit(candidate.spd);
  }

  /** The data path edit that takes `dp` back, from the running configuration (not yet committed). */
  private undo(dp: DatapathEdit): DatapathEdit {
    return {
      addSa: dp.deleteSa.map((n) => this.sad.get(n)!),
      deleteSa: dp.addSa.map((e) => e.name),
      addPolicy: dp.deletePolicy.map((n) => this.spd.get(n)!),
      deletePolicy: dp.addPolicy.map((e) => e.name),
    };
  }

  /**
   * Test-then-set: every entry the edit adds or changes is loaded into a
   * scratch ESP engine (it names any unusable field), and the SPIs of the
   * whole candidate must be unique per direction, as the data path requires.
   * Unchanged entries are installed already: checking only what changes keeps
   * an edit's cost independent of how many SAs the router holds.
   */
  private check(candidate: Candidate, change: DatapathEdit): void {
    // node:crypto transforms: they only copy the keys, where the native ones would key OpenSSL contexts
    // only to free them; the entries are checked the same way before either is built.
    const scratch = new EspEngine({ localAddresses: this.backend.localAddresses, logger: quietLogger, crypto: 'node' });
    try {
      for (const sa of change.addSa) scratch.addSa(sa);
      for (const sp of change.addPolicy) scratch.addPolicy(sp);
    } catch (err) {
      throw rpcError('invalid-value', errorMessage(err), { type: 'application' });
    } finally {
      scratch.close();
    }
    const clash = this.firstSpiClash(candidate.sad, change.addSa);
    if (clash) {
      const [sa, other] = clash;
      throw rpcError('invalid-value', `${this.spiKey(sa).split('/')[0]} SPI 0x${sa.spi.toString(16)} of sad-entry '${sa.name}' is already used by sad-entry '${other}'`, { type: 'application' });
    }
  }

  /**
   * The first entry, in the candidate's order, whose SPI an earlier entry of
   * the same direction uses, with that earlier entry's name (what checking
   * the whole candidate in order would find). Running entries are unique
   * already, so every clash involves an added entry: each is compared with
   * the other added entries and with the running entry holding its SPI, if
   * that one stays as it is.
   */
  private firstSpiClash(sad: TableEdit<SadEntry>, added: SadEntry[]): [SadEntry, string] | undefined {
    type Holder = { entry: SadEntry; at: number };
    const groups = new Map<SpiKey, Holder[]>();
    for (const sa of added) {
      const key = this.spiKey(sa);
      const holder = { entry: sa, at: sad.position(sa.name)! };
      const group = groups.get(key);
      if (group) group.push(holder);
      else groups.set(key, [holder]);
    }
    let clash: Holder[] | undefined;
    for (const [key, group] of groups) {
      const name = this.spiHolders.get(key);
      const running = name === undefined ? undefined : this.sad.get(name);
      if (running !== undefined && sad.get(running.name) === running) group.push({ entry: running, at: sad.position(running.name)! });
      if (group.length < 2) continue;
      group.sort((a, b) => a.at - b.at);
      if (clash === undefined || group[1]!.at < clash[1]!.at) clash = group;
    }
    return clash ? [clash[1]!.entry, clash[0]!.entry.name] : undefined;
  }

  /** Forget which SPI a running entry that leaves held. */
  private releaseSpi(entry: SadEntry): void {
    const key = this.spiKey(entry);
    if (this.spiHolders.get(key) === entry.name) this.spiHolders.delete(key);
  }

  /**
   * `inbound/<spi>` or `outbound/<spi>` of an entry. Remembered per entry object: installed
   * entries stay the same objects from edit to edit, so their addresses are parsed once.
   */
  private spiKey(sa: SadEntry): SpiKey {
    let key = this.spiKeys.get(sa);
    if (key === undefined) {
      key = `${sa.tunnel && this.local.hasText(sa.tunnel.remote, 'tunnel.remote') ? 'inbound' : 'outbound'}/${sa.spi}`;
      this.spiKeys.set(sa, key);
    }
    return key;
  }

  /** The running configuration as lists (O(entries held): for reads, not edits). */
  private runningConfig(): IkelessConfig {
    return { sad: this.sad.values(), spd: this.spd.values() };
  }

  private mayReadKeys(session: NetconfSessionInfo): boolean {
    return session.groups.some((g) => this.keyReaderGroups.includes(g));
  }
}

const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLogger,
};

/** Apply one decoded edit to the candidate (RFC 6241 §7.2 operations, entry granularity). */
function merge(candidate: Candidate, edit: IkelessEdit): void {
  mergeTable(candidate.sad, edit.sad, edit.deleteSad, edit.replaceSad === true, edit.operations?.sad, 'sad-entry', wipe);
  mergeTable(candidate.spd, edit.spd, edit.deleteSpd, edit.replaceSpd === true, edit.operations?.spd, 'spd-entry');
}

function mergeTable<T extends { name: string }>(
  table: TableEdit<T>,
  entries: T[],
  deletes: string[],
  replace: boolean,
  ops: Map<string, string> | undefined,
  kind: string,
  discard?: (e: T) => void,
): void {
  // A replaced table starts empty, but entries written again unchanged are still the installed ones.
  const previous = replace ? table.clear() : undefined;
  for (const name of deletes) {
    const op = ops?.get(name) ?? 'delete';
    if (!table.has(name) && op === 'delete') throw rpcError('data-missing', `${kind} '${name}' does not exist`, { type: 'application' });
    table.delete(name);
  }
  for (const e of entries) {
    if (ops?.get(e.name) === 'create' && table.has(e.name)) throw rpcError('data-exists', `${kind} '${e.name}' already exists`, { type: 'application' });
    // Writing an entry exactly as it is installed changes nothing: keeping the installed object keeps
    // the SA in the data path with its sequence numbers, replay window and counters.
    const installed = table.get(e.name) ?? previous?.(e.name);
    if (installed !== undefined && isDeepStrictEqual(installed, e)) {
      table.set(e.name, installed);
      discard?.(e);
    } else {
      table.set(e.name, e);
    }
  }
}

/** Remote prefixes of outbound protect policies: these are routed into the TUN. */
function protectedPrefixes(spd: SpdEntry[]): string[] {
  return spd.filter((p) => p.direction === 'outbound' && p.action === 'protect').map((p) => p.trafficSelector.remotePrefix);
}

function wipe(e: SadEntry): void {
  e.espSa.encryption.key?.fill(0);
  e.espSa.integrity.key?.fill(0);
}
