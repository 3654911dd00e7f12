/**
 * Make-before-break rekey of one tunnel (RFC 9061 §7.1's rekey flow, as the
 * CCIPS controller runs it on `sadb-expire`), with a fresh hybrid key:
 *   1. key-id synchronisation for a new key (master obtains, peer fetches by ids);
 *   2. a new SA pair — new SPIs, the same reqids, so the routers' outbound
 *      policies pick the newest SA — installed inbound at both ends first,
 *      then outbound (the policies themselves stay);
 *   3. the old outbound SAs removed at once (no longer chosen), the old
 *      inbound SAs after a drain time for packets already in flight.
 * A failure before step 3 removes whatever new SA it installed and leaves
 * the old SAs working; the caller retries.
 */
import { createLogger, errorMessage } from '../../common/index.js';
import type { TunnelRecord } from '../model.js';
import type { DomainClient } from '../lcm/domain-client.js';
import { computeTunnelSas, mergeRouterEdits, saEntriesOnly, sadEntryName, SpiAllocator, type TunnelEnd, type TunnelPolicy } from './controller.js';
import { applyEdits, releaseTunnelKeys, synchroniseTunnelKeys, type KeyingEnd } from './tunnel-keying.js';

const log = createLogger('nfvo.ccips.rekey');

export interface RekeyEnd extends KeyingEnd, TunnelEnd {}

export interface RekeyInput {
  instanceId: string;
  tunnel: TunnelRecord;
  master: RekeyEnd;
  peer: RekeyEnd;
  policy: TunnelPolicy;
  /** Time between switching outbound to the new SAs and removing the old inbound ones. */
  drainMs: number;
}

/** One tunnel of a batch rekey. */
export type RekeyItem = Omit<RekeyInput, 'instanceId' | 'drainMs'>;

/** The outcome per tunnel of a batch rekey. */
export type RekeyOutcome = { ok: true; record: TunnelRecord } | { ok: false; error: Error };

/** Rekey a tunnel; resolves to its new record (new key ids, SPIs, generation). */
export async function rekeyTunnel(input: RekeyInput): Promise<TunnelRecord> {
  const [outcome] = await rekeyTunnels(input.instanceId, [input], input.drainMs);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.record;
}

/**
 * Rekey several tunnels of one instance together, the steps of the module comment for all of
 * them at once: their key-id synchronisations in one `vca.obtainKeys` per domain and side; one `<edit-config>`
 * per router for all new inbound SAs, then one for all new outbound SAs; the old outbound SAs
 * out in one edit per router, one drain, the old inbound SAs out likewise. A tunnel whose key
 * cannot be had fails alone; a failed installation backs out the new SAs of every tunnel of the
 * batch and fails them all (the old SAs keep working; the caller retries).
 */
export async function rekeyTunnels(instanceId: string, items: readonly RekeyItem[], drainMs: number): Promise<RekeyOutcome[]> {
  const outcomes: (RekeyOutcome | undefined)[] = items.map(() => undefined);
  const clients = new Map<string, DomainClient>();
  for (const it of items) {
    clients.set(it.master.vnfId, it.master.client);
    clients.set(it.peer.vnfId, it.peer.client);
  }
  const clientOf = (vnfId: string): DomainClient => clients.get(vnfId)!;
  /** Remove SAD entries, one call per router (in first-seen order), all routers at once. */
  const removeSas = async (byRouter: [string, string[]][]): Promise<void> => {
    const merged = new Map<string, string[]>();
    for (const [vnfId, names] of byRouter) merged.set(vnfId, [...(merged.get(vnfId) ?? []), ...names]);
    await Promise.all(
      [...merged].map(([vnfId, names]) => clientOf(vnfId).call('vca.applyIpsec', { instanceId, vnfId, ikeless: null, keyBindings: [], deleteSad: names, deleteOperation: 'remove' })),
    );
  };
  const release = (its: RekeyItem[]) =>
    releaseTunnelKeys(instanceId, its.map((it) => ({ tunnelId: it.tunnel.id, clients: [it.master.client, it.peer.client] }))).catch((e: unknown) =>
      log.warn('key release failed', { tunnels: its.map((it) => it.tunnel.id), error: errorMessage(e) }),
    );

  // 1. A fresh hybrid key per tunnel (if only the master got it, its Proxy Agent must drop it again).
  const keyed = await synchroniseTunnelKeys(instanceId, items.map((it) => ({ tunnelId: it.tunnel.id, master: it.master, peer: it.peer })));
  const ids = keyed.map((r) => (r.ok ? r.ids : undefined));
  const failed = items.filter((_, i) => !keyed[i]!.ok);
  keyed.forEach((r, i) => {
    if (!r.ok) outcomes[i] = { ok: false, error: r.error };
  });
  if (failed.length > 0) await release(failed);
  const live = items.flatMap((_, i) => (ids[i] ? [i] : []));

  // 2. New SA pairs: SPIs unlike the ones in place (and unlike each other), the same reqids; SAD entries only.
  const spis = new SpiAllocator();
  for (const it of items) {
    spis.reserve(it.peer.vnfId, it.tunnel.spiOut);
    spis.reserve(it.master.vnfId, it.tunnel.spiIn);
  }
  const sas = new Map(live.map((i) => {
    const it = items[i]!;
    return [i, computeTunnelSas(it.tunnel.id, it.master, it.peer, it.policy, spis, BigInt(it.tunnel.reqidBase))] as const;
  }));
  try {
    if (live.length > 0) {
      await applyEdits(instanceId, mergeRouterEdits(saEntriesOnly([...sas.values()].flatMap((s) => s.inbound))), clientOf);
      await applyEdits(instanceId, mergeRouterEdits(saEntriesOnly([...sas.values()].flatMap((s) => s.outbound))), clientOf);
    }
  } catch (err) {
    // Back out: the old SAs keep carrying traffic.
    const added = [...sas.values()].flatMap((s) => [...s.outbound, ...s.inbound]).map((e): [string, string[]] => [e.vnfId, e.sad.map((x) => x.name)]);
    await removeSas(added).catch(() => undefined);
    const error = err instanceof Error ? err : new Error(String(err));
    for (const i of live) outcomes[i] = { ok: false, error };
    return outcomes as RekeyOutcome[];
  } finally {
    if (live.length > 0) await release(live.map((i) => items[i]!));
  }

  // 3. Old SAs out: outbound at once (the newest SA is chosen already), inbound after the drain.
  if (live.length > 0) {
    const old = live.map((i) => {
      const t = items[i]!.tunnel;
      return { t, out: sadEntryName(t.id, t.master, t.peer, t.spiOut), in: sadEntryName(t.id, t.peer, t.master, t.spiIn) };
    });
    // `out` is outbound at the master and inbound at the peer; `in` the other way round.
    await removeSas(old.flatMap((o): [string, string[]][] => [[o.t.master, [o.out]], [o.t.peer, [o.in]]]));
    await new Promise((r) => setTimeout(r, drainMs));
    await removeSas(old.flatMap((o): [string, string[]][] => [[o.t.master, [o.in]], [o.t.peer, [o.out]]]));
  }
  const now = new Date().toISOString();
  for (const i of live) {
    const t = items[i]!.tunnel;
    const s = sas.get(i)!;
    outcomes[i] = { ok: true, record: { ...t, keyIds: ids[i]!, spiOut: s.spiOut, spiIn: s.spiIn, generation: t.generation + 1, establishedAt: now } };
  }
  return outcomes as RekeyOutcome[];
}
