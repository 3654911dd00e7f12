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
import { computeTunnelSas, sadEntryName, SpiAllocator, type TunnelEnd, type TunnelPolicy } from './controller.js';
import { applyEdits, releaseTunnelKey, synchroniseTunnelKey, type KeyingEnd } from './tunnel-keying.js';

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

/** Rekey a tunnel; resolves to its new record (new key ids, SPIs, generation). */
export async function rekeyTunnel(input: RekeyInput): Promise<TunnelRecord> {
  const { instanceId, tunnel: t, master, peer } = input;
  const clientOf = (vnfId: string): DomainClient => (vnfId === master.vnfId ? master.client : peer.client);
  const removeSas = async (vnfId: string, names: string[]): Promise<void> => {
    await clientOf(vnfId).call('vca.applyIpsec', { instanceId, vnfId, ikeless: null, keyBindings: [], deleteSad: names, deleteOperation: 'remove' });
  };

  const release = () =>
    releaseTunnelKey(instanceId, t.id, [master.client, peer.client]).catch((e: unknown) => log.warn('key release failed', { tunnel: t.id, error: errorMessage(e) }));

  // 1. A fresh hybrid key (if only the master got it, its Proxy Agent must drop it again).
  let ids;
  try {
    ids = await synchroniseTunnelKey(instanceId, t.id, master, peer);
  } catch (err) {
    await release();
    throw err;
  }

  // 2. New SA pair: SPIs unlike the ones in place, the same reqids; SAD entries only.
  const spis = new SpiAllocator();
  spis.reserve(peer.vnfId, t.spiOut);
  spis.reserve(master.vnfId, t.spiIn);
  const sas = computeTunnelSas(t.id, master, peer, input.policy, spis, BigInt(t.reqidBase));
  const saOnly = (edits: typeof sas.inbound) => edits.map((e) => ({ ...e, spd: [] }));
  try {
    await applyEdits(instanceId, saOnly(sas.inbound), clientOf);
    await applyEdits(instanceId, saOnly(sas.outbound), clientOf);
  } catch (err) {
    // Back out: the old SAs keep carrying traffic.
    for (const e of [...sas.outbound, ...sas.inbound]) await removeSas(e.vnfId, e.sad.map((s) => s.name)).catch(() => undefined);
    throw err;
  } finally {
    await release();
  }

  // 3. Old SAs out: outbound at once (the newest SA is chosen already), inbound after the drain.
  const oldOut = sadEntryName(t.id, t.master, t.peer, t.spiOut); // outbound at master, inbound at peer
  const oldIn = sadEntryName(t.id, t.peer, t.master, t.spiIn); // outbound at peer, inbound at master
  await removeSas(t.master, [oldOut]);
  await removeSas(t.peer, [oldIn]);
  await new Promise((r) => setTimeout(r, input.drainMs));
  await removeSas(t.master, [oldIn]);
  await removeSas(t.peer, [oldOut]);

  return { ...t, keyIds: ids, spiOut: sas.spiOut, spiIn: sas.spiIn, generation: t.generation + 1, establishedAt: new Date().toISOString() };
}
