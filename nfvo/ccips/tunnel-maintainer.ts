/**
 * Keeps the tunnels of instantiated NSs keyed (the CCIPS controller's event
 * handling, RFC 9061 §7.1): it holds one event session per domain VCA, which
 * forwards its routers' notifications, and reacts —
 *   - `sadb-expire` soft (or hard, when no rekey came in time) of a tunnel's
 *     current SA → rekey the tunnel make-before-break with a fresh hybrid key;
 *   - `sadb-acquire` on a tunnel's policy → key the tunnel again (its SAs are gone);
 *   - `sadb-bad-spi`, `sadb-seq-overflow` → counted on the NS instance and logged.
 * Rekeys are not LCM operations (CONTRACTS): no lock, no op occurrence; each is
 * recorded in the instance's history. One rekey run at a time per NS instance:
 * the tunnels that fall due while one runs (their SAs were made together, so
 * their lifetimes end together) are rekeyed together in the next run
 * (`rekeyTunnels`: keys side by side, one `<edit-config>` per router per
 * phase, one drain). An LCM operation (terminate) pauses the instance first
 * and pre-empts rekeys. A failed rekey is retried with back-off while the old
 * SAs keep working.
 */
import { createLogger, errorMessage, ProtocolError, type Logger } from '../../common/index.js';
import { notificationFromJson } from '../../common/ikeless/index.js';
import type { IkelessNotification } from '../../common/ikeless/types.js';
import { VCA_EVENT, type VcaEvent } from '../../vca/index.js';
import type { Collection } from '../store/index.js';
import type { NsInstance, TunnelRecord, VimAccount } from '../model.js';
import type { DomainClient, DomainConnector } from '../lcm/domain-client.js';
import type { NsResolver } from '../lcm/resolved-ns.js';
import { sadEntryName, spdEntryName, type TunnelPolicy } from './controller.js';
import { rekeyTunnels, type RekeyItem } from './rekey.js';
import { hybridUri } from './tunnel-keying.js';

/** What an LCM operation needs from the maintainer. */
export interface TunnelMaintenance {
  /** Stop starting rekeys for the instance and wait for the one running. */
  pause(nsInstanceId: string): Promise<void>;
  resume(nsInstanceId: string): void;
  /** Make sure events of these domains (VIM account ids) are received. */
  watch(accountIds: string[]): void;
  /** Rekey tunnels (together) inside an LCM operation that holds the instance's pause; throws when one fails. */
  rekeyInOperation(nsInstanceId: string, tunnelIds: string | readonly string[], reason: string): Promise<void>;
}

export interface TunnelMaintainerOptions {
  instances: Collection<NsInstance>;
  accounts: Collection<VimAccount>;
  resolver: NsResolver;
  connector: DomainConnector;
  logger?: Logger;
  /** Drain time before old inbound SAs are removed (default 1000 ms). */
  drainMs?: number;
  /** Retries of a failed rekey (default 5), first after `retryMs` (default 2000 ms, doubling). */
  retries?: number;
  retryMs?: number;
  /** How long a rekey run waits for the sibling tunnels whose SAs expire with the first one (default 50 ms). */
  gatherMs?: number;
  /** Reconnect delay of a lost event session (default 2000 ms). */
  reconnectMs?: number;
}

const HISTORY_LIMIT = 200;

/** A tunnel waiting for the next rekey run of its instance. */
interface DueRekey {
  tunnelId: string;
  reason: string;
  attempt: number;
  generation: number | undefined;
  done: () => void;
}

export class TunnelMaintainer implements TunnelMaintenance {
  private readonly log: Logger;
  private readonly sessions = new Map<string, DomainClient>();
  private readonly connecting = new Set<string>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly pending = new Map<string, Set<string>>();
  /** Per instance: the tunnels the next queued run will rekey. */
  private readonly due = new Map<string, DueRekey[]>();
  private readonly paused = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Writes of NS records, one after another per instance (read-modify-write). */
  private readonly writes = new Map<string, Promise<unknown>>();
  private stopped = false;

  constructor(private readonly opts: TunnelMaintainerOptions) {
    this.log = opts.logger ?? createLogger('nfvo.ccips');
  }

  /** Subscribe to every domain that has an instantiated NS (NFVO start). */
  async start(): Promise<void> {
    const ids = new Set<string>();
    for (const ns of await this.opts.instances.list()) if (ns.nsState === 'INSTANTIATED') for (const v of ns.vnfInstance) ids.add(v.vimId);
    this.watch([...ids]);
  }

  /** Close the event sessions and wait for running rekeys. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
    await Promise.allSettled([...this.queues.values()]);
    await Promise.allSettled([...this.writes.values()]);
  }

  watch(accountIds: string[]): void {
    for (const id of accountIds) if (!this.sessions.has(id) && !this.connecting.has(id)) void this.subscribe(id);
  }

  async pause(nsInstanceId: string): Promise<void> {
    this.paused.add(nsInstanceId);
    await this.queues.get(nsInstanceId)?.catch(() => undefined);
    await this.writes.get(nsInstanceId)?.catch(() => undefined);
  }

  resume(nsInstanceId: string): void {
    this.paused.delete(nsInstanceId);
  }

  /** Rekey one tunnel now (an operator's request, tests); resolves when done. */
  rekeyNow(nsInstanceId: string, tunnelId: string, reason = 'requested'): Promise<void> {
    return this.enqueue(nsInstanceId, tunnelId, reason, 0, undefined);
  }

  async rekeyInOperation(nsInstanceId: string, tunnelIds: string | readonly string[], reason: string): Promise<void> {
    const ids = typeof tunnelIds === 'string' ? [tunnelIds] : tunnelIds;
    // The operation paused the instance: no queued rekey runs beside this one.
    const errors = await this.rekey(nsInstanceId, ids.map((tunnelId) => ({ tunnelId, reason, generation: undefined })), true);
    const failed = errors.flatMap((e, i) => (e ? [[ids[i]!, e] as const] : []));
    if (failed.length === 1 && ids.length === 1) throw failed[0]![1];
    if (failed.length > 0) throw new ProtocolError(failed.map(([id, e]) => `tunnel ${id}: ${errorMessage(e)}`).join('; '), { cause: failed[0]![1] });
  }

  private async subscribe(accountId: string): Promise<void> {
    if (this.stopped) return;
    this.connecting.add(accountId);
    try {
      const account = await this.opts.accounts.get(accountId);
      if (!account) return;
      const client = await this.opts.connector.connect(account);
      if (!client.onNotification) {
        client.close();
        this.log.warn('domain connector cannot carry events; tunnels of this domain will not be rekeyed', { domain: account.name });
        return;
      }
      client.onNotification((method, params) => {
        if (method === VCA_EVENT) this.onEvent(accountId, params as VcaEvent);
      });
      await client.call('vca.subscribe', {});
      this.sessions.set(accountId, client);
      this.log.info('receiving router events', { domain: account.name });
      void client.closed?.then(() => {
        if (this.sessions.get(accountId) !== client) return;
        this.sessions.delete(accountId);
        this.log.warn('event session lost; reconnecting', { domain: account.name });
        this.later(() => void this.subscribe(accountId), this.opts.reconnectMs ?? 2000);
      });
    } catch (err) {
      this.log.warn('cannot subscribe to router events; retrying', { accountId, error: errorMessage(err) });
      this.later(() => void this.subscribe(accountId), this.opts.reconnectMs ?? 2000);
    } finally {
      this.connecting.delete(accountId);
    }
  }

  private onEvent(_accountId: string, ev: VcaEvent): void {
    let n: IkelessNotification;
    try {
      n = notificationFromJson(ev.notification);
    } catch (err) {
      this.log.warn('unreadable router event', { domain: ev.domain, error: errorMessage(err) });
      return;
    }
    void this.opts.instances.get(ev.instanceId).then(async (ns) => {
      if (!ns || ns.nsState !== 'INSTANTIATED') return;
      const tunnels = ns.qkdVpn?.tunnels ?? [];
      if (n.type === 'sadb-expire') {
        const t = tunnels.find((x) => currentSaNames(x).includes(n.ipsecSaName));
        if (!t) return; // an SA of an earlier generation: already replaced
        await this.enqueue(ns.id, t.id, `${n.softLifetimeExpire ? 'soft' : 'hard'} lifetime of ${n.ipsecSaName} at ${ev.vnfId}`, 0, t.generation);
      } else if (n.type === 'sadb-acquire') {
        const t = tunnels.find((x) => policyNames(x).includes(n.ipsecPolicyName));
        if (t) await this.enqueue(ns.id, t.id, `acquire on policy ${n.ipsecPolicyName} at ${ev.vnfId}`, 0, t.generation);
      } else {
        await this.count(ns.id, n.type, ev.vnfId);
      }
    }).catch((err: unknown) => this.log.error('router event handling failed', { error: errorMessage(err) }));
  }

  /** Queue a rekey of a tunnel (deduplicated; only while the tunnel is still at `generation`); it joins the instance's next run. */
  private enqueue(nsId: string, tunnelId: string, reason: string, attempt: number, generation: number | undefined): Promise<void> {
    let set = this.pending.get(nsId);
    if (!set) this.pending.set(nsId, (set = new Set()));
    if (set.has(tunnelId)) return Promise.resolve();
    set.add(tunnelId);
    return new Promise<void>((done) => {
      const list = this.due.get(nsId);
      if (list) {
        // A run is queued and has not started: this tunnel goes with it.
        list.push({ tunnelId, reason, attempt, generation, done });
        return;
      }
      this.due.set(nsId, [{ tunnelId, reason, attempt, generation, done }]);
      const prev = this.queues.get(nsId) ?? Promise.resolve();
      const gather = this.opts.gatherMs ?? 50;
      const run = prev
        .catch(() => undefined)
        .then(() => (gather > 0 ? new Promise((r) => setTimeout(r, gather)) : undefined))
        .then(() => this.runDue(nsId));
      this.queues.set(nsId, run);
      void run.then(() => {
        if (this.queues.get(nsId) === run) this.queues.delete(nsId);
      });
    });
  }

  /** Rekey the tunnels due for an instance, together; schedule retries of those that failed. */
  private async runDue(nsId: string): Promise<void> {
    const batch = this.due.get(nsId) ?? [];
    this.due.delete(nsId);
    if (batch.length === 0) return;
    let errors: (Error | undefined)[];
    try {
      errors = await this.rekey(nsId, batch, false);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      errors = batch.map(() => error);
    }
    const set = this.pending.get(nsId);
    batch.forEach((d, i) => {
      set?.delete(d.tunnelId);
      const err = errors[i];
      if (err) {
        const retries = this.opts.retries ?? 5;
        this.log.error('rekey failed; the current SAs stay in place', { nsInstanceId: nsId, tunnel: d.tunnelId, attempt: d.attempt + 1, error: errorMessage(err) });
        if (d.attempt + 1 < retries && !this.stopped) {
          this.later(() => void this.enqueue(nsId, d.tunnelId, `${d.reason} (retry ${d.attempt + 1})`, d.attempt + 1, d.generation), (this.opts.retryMs ?? 2000) * 2 ** d.attempt);
        }
      }
      d.done();
    });
  }

  /**
   * Rekey tunnels of one instance together; per tunnel, the error that stopped it (undefined:
   * rekeyed, or nothing to do: paused, gone, or rekeyed meanwhile).
   */
  private async rekey(nsId: string, wanted: readonly Pick<DueRekey, 'tunnelId' | 'reason' | 'generation'>[], inOperation: boolean): Promise<(Error | undefined)[]> {
    const errors: (Error | undefined)[] = wanted.map(() => undefined);
    if ((this.paused.has(nsId) && !inOperation) || this.stopped) return errors;
    const ns = await this.opts.instances.get(nsId);
    const vnf = (id: string) => ns!.vnfInstance.find((v) => v.vnfProfileId === id)!;
    const resolved = ns ? await this.opts.resolver.resolve(ns.nsdInfoId) : undefined;
    const clients = new Map<string, DomainClient>();
    try {
      const items: RekeyItem[] = [];
      const of: number[] = [];
      for (const [i, w] of wanted.entries()) {
        const t = ns?.qkdVpn?.tunnels.find((x) => x.id === w.tunnelId);
        if (!ns || ns.nsState !== 'INSTANTIATED' || !t) {
          if (inOperation) errors[i] = new Error(`tunnel ${w.tunnelId} is not part of the instantiated NS ${nsId}`);
          continue;
        }
        if (w.generation !== undefined && t.generation !== w.generation) continue; // rekeyed meanwhile
        const profile = resolved!.security.find((p) => p.id === t.securityProfileId);
        if (!profile) {
          errors[i] = new Error(`security profile ${t.securityProfileId} is no longer in the NSD`);
          continue;
        }
        // An operator's lifetimes (set-lifetimes) win over the profile's.
        const soft = t.lifetimes?.soft ?? profile.lifetimeSoft;
        const hard = t.lifetimes?.hard ?? profile.lifetimeHard;
        const policy: TunnelPolicy = {
          encryption: profile.encryption,
          esn: profile.esn,
          replayWindow: profile.replayWindow,
          lifetimeSoft: { time: soft.time, packets: soft.packets, bytes: toBig(soft.bytes) },
          lifetimeHard: { time: hard.time, packets: hard.packets, bytes: toBig(hard.bytes) },
        };
        const end = async (vnfId: string) => {
          const v = vnf(vnfId);
          const account = await this.opts.accounts.get(v.vimId);
          if (!account) throw new Error(`VIM account ${v.vimId} of ${vnfId} is not registered`);
          let client = clients.get(account.id);
          if (!client) clients.set(account.id, (client = await this.opts.connector.connect(account)));
          const uri = hybridUri(t.id, account.hybridNodeUuid, t);
          return { vnfId, client, uri, tunnelAddress: v.metadata.tunnelAddress, lanSubnet: v.metadata.lanSubnets[0]! };
        };
        try {
          items.push({ tunnel: t, master: await end(t.master), peer: await end(t.peer), policy });
          of.push(i);
        } catch (err) {
          errors[i] = err instanceof Error ? err : new Error(String(err));
        }
      }
      if (items.length === 0) return errors;
      const started = Date.now();
      const outcomes = await rekeyTunnels(nsId, items, this.opts.drainMs ?? 1000);
      for (const [k, outcome] of outcomes.entries()) {
        const i = of[k]!;
        const t = items[k]!.tunnel;
        if (!outcome.ok) {
          errors[i] = outcome.error;
          continue;
        }
        const next = outcome.record;
        const reason = wanted[i]!.reason;
        await this.record(nsId, next, `${t.id}: SPIs 0x${hex(t.spiOut)}/0x${hex(t.spiIn)} → 0x${hex(next.spiOut)}/0x${hex(next.spiIn)}, key stream ${next.keyIds.keyStreamId}, QKD key ${next.keyIds.qkdKeyIds.join(',')} (${reason})`);
        this.log.info('tunnel rekeyed', { nsInstanceId: nsId, tunnel: t.id, generation: next.generation, spiOut: next.spiOut, spiIn: next.spiIn, keyStreamId: next.keyIds.keyStreamId, ms: Date.now() - started, batch: items.length, reason });
      }
      return errors;
    } finally {
      for (const c of clients.values()) c.close();
    }
  }

  /** Re-read the NS instance, change its qkdVpn record, write it back — serialised per instance. */
  private update(nsId: string, change: (vpn: NonNullable<NsInstance['qkdVpn']>) => NonNullable<NsInstance['qkdVpn']>): Promise<void> {
    const prev = this.writes.get(nsId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(async () => {
      const ns = await this.opts.instances.get(nsId);
      if (!ns?.qkdVpn || ns.nsState !== 'INSTANTIATED') return;
      await this.opts.instances.put(nsId, { ...ns, qkdVpn: change(ns.qkdVpn) });
    });
    this.writes.set(nsId, next);
    void next.catch(() => undefined).then(() => {
      if (this.writes.get(nsId) === next) this.writes.delete(nsId);
    });
    return next;
  }

  /** Store the tunnel's new record and a history line. */
  private record(nsId: string, tunnel: TunnelRecord, detail: string): Promise<void> {
    return this.update(nsId, (vpn) => ({
      ...vpn,
      tunnels: vpn.tunnels.map((x) => (x.id === tunnel.id ? tunnel : x)),
      history: [...vpn.history, { time: tunnel.establishedAt, event: 'tunnel-rekeyed', detail }].slice(-HISTORY_LIMIT),
    }));
  }

  private count(nsId: string, type: string, vnfId: string): Promise<void> {
    this.log.warn('router event', { nsInstanceId: nsId, type, vnfId });
    return this.update(nsId, (vpn) => ({ ...vpn, eventCounts: { ...(vpn.eventCounts ?? {}), [type]: (vpn.eventCounts?.[type] ?? 0) + 1 } }));
  }

  private later(fn: () => void, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

/** Names of a tunnel's current SAD entries (the same at both routers). */
function currentSaNames(t: TunnelRecord): string[] {
  return [sadEntryName(t.id, t.master, t.peer, t.spiOut), sadEntryName(t.id, t.peer, t.master, t.spiIn)];
}

/** Names of a tunnel's SPD entries at either router. */
function policyNames(t: TunnelRecord): string[] {
  return [
    spdEntryName(t.id, t.master, t.peer, 'outbound'),
    spdEntryName(t.id, t.master, t.peer, 'inbound'),
    spdEntryName(t.id, t.peer, t.master, 'outbound'),
    spdEntryName(t.id, t.peer, t.master, 'inbound'),
  ];
}

function toBig(n: number | undefined): bigint | undefined {
  return n === undefined ? undefined : BigInt(n);
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
