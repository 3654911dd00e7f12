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
import { ProtocolError, settleAll } from '../../common/index.js';
import { ipsecConfigToJson } from '../../common/ikeless/index.js';
import type { KeyIds } from '../../vca/index.js';
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

/** Tunnels keyed at once when several are (instantiation, scaling, batched rekeys): each its own key-id synchronisation. */
export const KEYING_CONCURRENCY = 8;

/** Bytes of the hybrid secret per tunnel (CONTRACTS: 32 unless asked otherwise). */
export const HYBRID_SECRET_BYTES = 32;

/** Obtain a fresh hybrid key for a tunnel at both ends; returns its ids. */
export async function synchroniseTunnelKey(instanceId: string, tunnelId: string, master: KeyingEnd, peer: KeyingEnd): Promise<KeyIds> {
  const ids = await master.client.call('vca.obtainKey', { instanceId, tunnelId, source: master.uri, destination: peer.uri, keyChunkSize: HYBRID_SECRET_BYTES });
  // Both ends in one domain: its Proxy Agent already holds the key for both routers.
  if (peer.client !== master.client) {
    const peerIds = await peer.client.call('vca.obtainKey', { instanceId, tunnelId, source: peer.uri, destination: master.uri, keyChunkSize: HYBRID_SECRET_BYTES, ids });
    if (peerIds.keyStreamId !== ids.keyStreamId || peerIds.qkdKeyIds.join() !== ids.qkdKeyIds.join()) {
      throw new ProtocolError(`tunnel ${tunnelId}: the peer domain obtained a different key stream (${peerIds.keyStreamId}) than the master (${ids.keyStreamId})`);
    }
  }
  return ids;
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
