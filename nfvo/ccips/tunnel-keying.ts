/**
 * The keying steps every tunnel goes through, at instantiation and at each
 * rekey (ARCHITECTURE §3 steps 5–6):
 *   1. key-id synchronisation in the source paper's order — the master end's
 *      Proxy Agent obtains a fresh hybrid key and returns its ids only; the
 *      peer end's Proxy Agent fetches the same key by those ids;
 *   2. SA installation, inbound at both routers before outbound at either;
 *   3. the Proxy Agents zero their copies of the key.
 * The NFVO passes ids, SPIs and RFC 7951 JSON without keys: never key bytes.
 */
import { ProtocolError, QnfvError, settleAll } from '../../common/index.js';
import { ipsecConfigToJson } from '../../common/ikeless/index.js';
import type { KeyIds, ObtainKeyRequest } from '../../vca/index.js';
import type { DomainClient } from '../lcm/domain-client.js';
import type { RouterEdit } from './controller.js';

/** One end of a tunnel as the keying steps see it. */
export interface KeyingEnd {
  vnfId: string;
  client: DomainClient;
  /** `hybrid://<tunnel>@<node-uuid>?hybridization=…&key_sources=…` of this end. */
  uri: string;
}

/** The key recipe of a tunnel, from its NSD security profile. */
export interface KeyRecipe {
  combiner: string;
  keySources: string[];
  singleSourcePolicy?: string;
}

/**
 * `hybrid://<tunnel>@<node-uuid>?hybridization=<combiner>&key_sources=<list>`
 * (CONTRACTS), plus `single_source_policy=allow-degraded` when the profile
 * allows degraded keys (`require-all` is the Hybridization Module's default).
 */
export function hybridUri(tunnelId: string, nodeUuid: string, recipe: KeyRecipe): string {
  const policy = recipe.singleSourcePolicy === 'allow-degraded' ? '&single_source_policy=allow-degraded' : '';
  return `hybrid://${encodeURIComponent(tunnelId)}@${nodeUuid}?hybridization=${recipe.combiner}&key_sources=${recipe.keySources.join(',')}${policy}`;
}

/** Bytes of the hybrid secret per tunnel (CONTRACTS: 32 unless asked otherwise). */
export const HYBRID_SECRET_BYTES = 32;

/** Obtain a fresh hybrid key for a tunnel at both ends; returns its ids. */
export async function synchroniseTunnelKey(instanceId: string, tunnelId: string, master: KeyingEnd, peer: KeyingEnd): Promise<KeyIds> {
  const ids = await master.client.call('vca.obtainKey', { instanceId, ...keyRequest(tunnelId, master, peer) });
  // Both ends in one domain: its Proxy Agent already holds the key for both routers.
  if (peer.client !== master.client) {
    checkSameKey(tunnelId, ids, await peer.client.call('vca.obtainKey', { instanceId, ...keyRequest(tunnelId, peer, master, ids) }));
  }
  return ids;
}

/** A tunnel to key, with both its ends. */
export interface KeyingTunnel {
  tunnelId: string;
  master: KeyingEnd;
  peer: KeyingEnd;
}

/** What keying one tunnel of a batch gave: its ids, or why it failed. */
export type KeyingResult = { ok: true; ids: KeyIds } | { ok: false; error: Error };

/**
 * Obtain fresh hybrid keys for several tunnels: one `vca.obtainKeys` per domain for the master
 * ends, then one per domain for the peer ends with the masters' ids (each domain's Proxy Agent
 * keys its items side by side). Each tunnel succeeds or fails on its own; a tunnel whose master
 * got a key but whose peer did not must have its keys released by the caller.
 */
export async function synchroniseTunnelKeys(instanceId: string, tunnels: readonly KeyingTunnel[]): Promise<KeyingResult[]> {
  const results = new Array<KeyingResult>(tunnels.length);
  const masters = await obtainGrouped(
    instanceId,
    tunnels.map((t, i) => ({ index: i, client: t.master.client, key: keyRequest(t.tunnelId, t.master, t.peer) })),
  );
  const second: { index: number; client: DomainClient; key: Omit<ObtainKeyRequest, 'instanceId'> }[] = [];
  tunnels.forEach((t, i) => {
    const r = masters.get(i)!;
    results[i] = r;
    // Both ends in one domain: its Proxy Agent already holds the key for both routers.
    if (r.ok && t.peer.client !== t.master.client) second.push({ index: i, client: t.peer.client, key: keyRequest(t.tunnelId, t.peer, t.master, r.ids) });
  });
  // Only tunnels whose master got a key are here.
  for (const [i, r] of await obtainGrouped(instanceId, second)) {
    if (!r.ok) results[i] = r;
    else {
      try {
        checkSameKey(tunnels[i]!.tunnelId, (results[i] as { ids: KeyIds }).ids, r.ids);
      } catch (err) {
        results[i] = { ok: false, error: err as Error };
      }
    }
  }
  return results;
}

/** One `vca.obtainKeys` per domain client, all at once; each item's result by its index. */
async function obtainGrouped(instanceId: string, items: readonly { index: number; client: DomainClient; key: Omit<ObtainKeyRequest, 'instanceId'> }[]): Promise<Map<number, KeyingResult>> {
  const byClient = new Map<DomainClient, (typeof items)[number][]>();
  for (const it of items) {
    const group = byClient.get(it.client);
    if (group) group.push(it);
    else byClient.set(it.client, [it]);
  }
  const out = new Map<number, KeyingResult>();
  await Promise.all(
    [...byClient].map(async ([client, group]) => {
      try {
        const { results } = await client.call('vca.obtainKeys', { instanceId, keys: group.map((g) => g.key) });
        group.forEach((g, k) => {
          const r = results[k];
          if (r && 'ids' in r) out.set(g.index, { ok: true, ids: r.ids });
          else out.set(g.index, { ok: false, error: new QnfvError(r?.error.code ?? 'REMOTE', `VCA of ${client.domain}: ${r?.error.message ?? 'no result for this key'}`) });
        });
      } catch (err) {
        // The call itself failed (channel, timeout): every key of the group failed with it.
        for (const g of group) out.set(g.index, { ok: false, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }),
  );
  return out;
}

/** The `vca.obtainKey(s)` item for `me`'s end of a tunnel (with the master's ids at the second end). */
function keyRequest(tunnelId: string, me: KeyingEnd, other: KeyingEnd, ids?: KeyIds): Omit<ObtainKeyRequest, 'instanceId'> {
  return { tunnelId, source: me.uri, destination: other.uri, keyChunkSize: HYBRID_SECRET_BYTES, ...(ids ? { ids } : {}) };
}

/** Both ends must hold the same key stream and QKD keys. */
function checkSameKey(tunnelId: string, ids: KeyIds, peerIds: KeyIds): void {
  if (peerIds.keyStreamId !== ids.keyStreamId || peerIds.qkdKeyIds.join() !== ids.qkdKeyIds.join()) {
    throw new ProtocolError(`tunnel ${tunnelId}: the peer domain obtained a different key stream (${peerIds.keyStreamId}) than the master (${ids.keyStreamId})`);
  }
}

/**
 * Push one phase's edits (SAD/SPD entries and their key bindings) to the
 * routers, all routers at once: a phase holds one edit per router, and only
 * the order between phases matters (inbound everywhere before outbound).
 */
export async function applyEdits(instanceId: string, edits: RouterEdit[], clientOf: (vnfId: string) => DomainClient): Promise<void> {
  // Every edit settles before a failure is reported, so that an undo never runs beside an edit.
  await settleAll(
    edits.map((edit) =>
      clientOf(edit.vnfId).call('vca.applyIpsec', {
        instanceId,
        vnfId: edit.vnfId,
        ikeless: ipsecConfigToJson({ sad: edit.sad, spd: edit.spd }, { withKeys: false }),
        keyBindings: edit.keyBindings,
      }),
    ),
  );
}

/** Have both ends' Proxy Agents zero the tunnel's key (the SAs hold it now). */
export async function releaseTunnelKey(instanceId: string, tunnelId: string, clients: DomainClient[]): Promise<void> {
  await settleAll([...new Set(clients)].map((c) => c.call('vca.releaseKey', { instanceId, tunnelId })));
}

/** Have the Proxy Agents zero several tunnels' keys: one `vca.releaseKeys` per domain. */
export async function releaseTunnelKeys(instanceId: string, tunnels: readonly { tunnelId: string; clients: DomainClient[] }[]): Promise<void> {
  const byClient = new Map<DomainClient, Set<string>>();
  for (const t of tunnels) for (const c of t.clients) byClient.set(c, (byClient.get(c) ?? new Set()).add(t.tunnelId));
  await settleAll([...byClient].map(([c, ids]) => c.call('vca.releaseKeys', { instanceId, tunnelIds: [...ids] })));
}
