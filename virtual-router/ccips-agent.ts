/**
 * The router's CCIPS agent (RFC 9061 IKE-less case): the NETCONF datastore
 * holding `ietf-i2nsf-ikeless` SAD/SPD. An `<edit-config>` is decoded,
 * merged into a candidate copy of the running configuration, checked in
 * full by loading it into a scratch ESP engine (test-then-set), and only
 * then applied to the data path and the route table — all or nothing.
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

type DatapathCounters = DatapathState['counters'];

const log = createLogger('router.ccips');

/** What the agent drives: the data path and the routes. */
export interface AgentBackend {
  localAddresses: string[];
  apply(edit: DatapathEdit): Promise<void>;
  state(): Promise<{ sas: { name: string; state: SadEntryState }[]; counters: DatapathCounters }>;
  syncRoutes(protectedPrefixes: string[]): Promise<void>;
}

/** The NETCONF datastore of one router. */
export class CcipsAgent implements NetconfDatastore {
  private running: IkelessConfig = { spd: [], sad: [] };
  private queue: Promise<unknown> = Promise.resolve();
  /** The router's tunnel addresses, compared as numbers (an IPv6 address has many spellings). */
  private readonly local: LocalAddresses;
  private readonly spiKeys = new WeakMap<SadEntry, string>();

  constructor(
    private readonly backend: AgentBackend,
    private readonly keyReaderGroups: string[],
  ) {
    this.local = new LocalAddresses(backend.localAddresses);
  }

  /** `<get-config>`: the running SAD/SPD; keys only for key readers. */
  getConfig(_source: 'running', _filter: SubtreeFilter, session: NetconfSessionInfo): XmlElement[] {
    return [ipsecConfigToXml(this.running, { withKeys: this.mayReadKeys(session) })];
  }

  /** `<get>`: configuration plus `ipsec-sa-state` from the data path. */
  async get(_filter: SubtreeFilter, session: NetconfSessionInfo): Promise<XmlElement[]> {
    const st = await this.backend.state();
    const states = st.sas.filter((s) => this.running.sad.some((e) => e.name === s.name)).map((s) => s.state);
    return [ipsecDataToXml(this.running, states, { withKeys: this.mayReadKeys(session) }), datapathCountersXml(st.counters)];
  }

  /**
   * The data path removed an SA at its hard lifetime (RFC 9061 `sadb-expire`,
   * soft-lifetime-expire false): it leaves the running configuration too, so
   * `<get-config>` never lists an SA that no longer exists. Queued with edits.
   */
  forgetExpired(saName: string): Promise<boolean> {
    const run = this.queue.then(() => {
      const entry = this.running.sad.find((e) => e.name === saName);
      if (!entry) return false;
      this.running = { ...this.running, sad: this.running.sad.filter((e) => e !== entry) };
      wipe(entry);
      log.info('hard-expired SA removed from the running configuration', { sa: saName });
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** `<edit-config>` on running: decoded, checked in full, then applied all-or-nothing. */
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
    let candidate = this.running;
    for (const root of roots) {
      const edit = ikelessEditFromXml(root, { defaultOperation: request.defaultOperation });
      candidate = merge(candidate, edit);
    }
    const dp = diff(this.running, candidate);
    this.check(candidate, dp);
    if (request.testOption === 'test-only') return;
    await this.backend.apply(dp);
    try {
      await this.backend.syncRoutes(protectedPrefixes(candidate));
    } catch (err) {
      // All or nothing: put the data path and the routes back as they were (running still holds its keys).
      await this.backend.apply(diff(candidate, this.running)).catch((e: unknown) => log.error('data path rollback failed', { error: errorMessage(e) }));
      await this.backend.syncRoutes(protectedPrefixes(this.running)).catch((e: unknown) => log.error('route rollback failed', { error: errorMessage(e) }));
      throw rpcError('operation-failed', `routes into the tunnel could not be set, the edit was rolled back: ${errorMessage(err)}`, { type: 'application' });
    }
    // Keys of entries that left the running config are no longer needed here.
    const kept = new Set(candidate.sad);
    for (const old of this.running.sad) if (!kept.has(old)) wipe(old);
    this.running = candidate;
    log.info('configuration applied', { user: session.user, sas: candidate.sad.length, policies: candidate.spd.length, added: dp.addSa.map((s) => s.name), deleted: dp.deleteSa });
  }

  /**
   * Test-then-set: every entry the edit adds or changes is loaded into a
   * scratch ESP engine (it names any unusable field), and the SPIs of the
   * whole candidate must be unique per direction, as the data path requires.
   * Unchanged entries are installed already: checking only what changes keeps
   * an edit's cost independent of how many SAs the router holds.
   */
  private check(candidate: IkelessConfig, change: DatapathEdit): void {
    const scratch = new EspEngine({ localAddresses: this.backend.localAddresses, logger: quietLogger });
    try {
      for (const sa of change.addSa) scratch.addSa(sa);
      for (const sp of change.addPolicy) scratch.addPolicy(sp);
    } catch (err) {
      throw rpcError('invalid-value', errorMessage(err), { type: 'application' });
    } finally {
      scratch.close();
    }
    const bySpi = new Map<string, string>();
    for (const sa of candidate.sad) {
      const key = this.spiKey(sa);
      const other = bySpi.get(key);
      if (other !== undefined) {
        throw rpcError('invalid-value', `${key.split('/')[0]} SPI 0x${sa.spi.toString(16)} of sad-entry '${sa.name}' is already used by sad-entry '${other}'`, { type: 'application' });
      }
      bySpi.set(key, sa.name);
    }
  }

  /**
   * `inbound/<spi>` or `outbound/<spi>` of an entry. Remembered per entry object: installed
   * entries stay the same objects from edit to edit, so their addresses are parsed once, not at
   * every edit (an edit's cost would grow with the SAs the router holds).
   */
  private spiKey(sa: SadEntry): string {
    let key = this.spiKeys.get(sa);
    if (key === undefined) {
      key = `${sa.tunnel && this.local.hasText(sa.tunnel.remote, 'tunnel.remote') ? 'inbound' : 'outbound'}/${sa.spi}`;
      this.spiKeys.set(sa, key);
    }
    return key;
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

/** Apply one decoded edit to a configuration (RFC 6241 §7.2 operations, entry granularity). */
function merge(base: IkelessConfig, edit: IkelessEdit): IkelessConfig {
  const sad = edit.replaceSad ? new Map<string, SadEntry>() : new Map(base.sad.map((e) => [e.name, e]));
  const spd = edit.replaceSpd ? new Map<string, SpdEntry>() : new Map(base.spd.map((e) => [e.name, e]));
  const apply = <T extends { name: string }>(
    table: Map<string, T>,
    previous: ReadonlyMap<string, T> | undefined,
    entries: T[],
    deletes: string[],
    ops: Map<string, string> | undefined,
    kind: string,
    discard?: (e: T) => void,
  ): void => {
    for (const name of deletes) {
      const op = ops?.get(name) ?? 'delete';
      if (!table.has(name) && op === 'delete') throw rpcError('data-missing', `${kind} '${name}' does not exist`, { type: 'application' });
      table.delete(name);
    }
    for (const e of entries) {
      if (ops?.get(e.name) === 'create' && table.has(e.name)) throw rpcError('data-exists', `${kind} '${e.name}' already exists`, { type: 'application' });
      // Writing an entry exactly as it is installed changes nothing: keeping the installed object keeps
      // the SA in the data path with its sequence numbers, replay window and counters.
      const installed = table.get(e.name) ?? previous?.get(e.name);
      if (installed !== undefined && isDeepStrictEqual(installed, e)) {
        table.set(e.name, installed);
        discard?.(e);
      } else {
        table.set(e.name, e);
      }
    }
  };
  // A replaced table starts empty, but entries written again unchanged are still the installed ones.
  apply(sad, edit.replaceSad ? new Map(base.sad.map((e) => [e.name, e])) : undefined, edit.sad, edit.deleteSad, edit.operations?.sad, 'sad-entry', wipe);
  apply(spd, edit.replaceSpd ? new Map(base.spd.map((e) => [e.name, e])) : undefined, edit.spd, edit.deleteSpd, edit.operations?.spd, 'spd-entry');
  return { sad: [...sad.values()], spd: [...spd.values()] };
}

/** What the data path must do to go from `before` to `after` (changed entries are replaced). */
function diff(before: IkelessConfig, after: IkelessConfig): DatapathEdit {
  const beforeSad = new Map(before.sad.map((e) => [e.name, e]));
  const beforeSpd = new Map(before.spd.map((e) => [e.name, e]));
  const afterSad = new Set(after.sad.map((e) => e.name));
  const afterSpd = new Set(after.spd.map((e) => e.name));
  const addSa = after.sad.filter((e) => beforeSad.get(e.name) !== e);
  const addPolicy = after.spd.filter((e) => beforeSpd.get(e.name) !== e);
  const replacedSa = new Set(addSa.map((e) => e.name));
  const replacedPolicy = new Set(addPolicy.map((e) => e.name));
  return {
    addSa,
    addPolicy,
    deleteSa: [...beforeSad.keys()].filter((n) => !afterSad.has(n) || replacedSa.has(n)),
    deletePolicy: [...beforeSpd.keys()].filter((n) => !afterSpd.has(n) || replacedPolicy.has(n)),
  };
}

/** Remote prefixes of outbound protect policies: these are routed into the TUN. */
function protectedPrefixes(c: IkelessConfig): string[] {
  return c.spd.filter((p) => p.direction === 'outbound' && p.action === 'protect').map((p) => p.trafficSelector.remotePrefix);
}

function wipe(e: SadEntry): void {
  e.espSa.encryption.key?.fill(0);
  e.espSa.integrity.key?.fill(0);
}

