/**
 * INSTANTIATE (ARCHITECTURE §3): place each VNF in its domain, deploy every
 * domain's routers/networks through its VCA, synchronise key ids in the
 * source paper's order (master domain obtains keys and returns ids only; the
 * peer domain fetches the same keys by those ids), compute the SAs with the
 * CCIPS controller and install them inbound-first, then verify.
 * Every step registers its undo; the NFVO never holds key bytes.
 */
import type { DomainIntent, KeyIds } from '../../vca/index.js';
import { applyEdits, computeTunnelSas, hybridUri, mergeRouterEdits, releaseTunnelKeys, SpiAllocator, synchroniseTunnelKeys, type TunnelSas } from '../ccips/index.js';
import { errorMessage, ProtocolError, settleAll } from '../../common/index.js';
import type { NsInstance, TunnelRecord, VimAccount, VnfInstance } from '../model.js';
import type { OperationContext } from './operation-runner.js';
import { deleteTunnelEntries } from './terminate.js';
import { runDay1, type PlannedPrimitive } from './vnf-primitives.js';
import type { DomainClient, DomainConnector } from './domain-client.js';
import type { IpPlan, PlannedRouter } from './ip-plan.js';
import type { LinkSecurity } from './resolved-ns.js';

export const INSTANTIATE_STEPS = 6;

/** Everything instantiate needs, resolved and validated before the 202. */
export interface InstantiateInput {
  installationId: string;
  ns: NsInstance;
  /** The address plan of the sites deployed (restrictPlan of the NSD's full plan). */
  plan: IpPlan;
  /** The tunnels between deployed sites (planTunnels of the full plan, filtered). */
  tunnels: PlannedTunnel[];
  /** Day-1 primitives, run in order once every SA is verified. */
  day1?: PlannedPrimitive[];
  /** VNF profile id → account. */
  placement: Map<string, VimAccount>;
  security: LinkSecurity[];
  connector: DomainConnector;
  /** Persist the NS instance record as it evolves. */
  saveNs: (ns: NsInstance) => Promise<void>;
}

/** A tunnel to build: a pair of routers on a protected link. */
export interface PlannedTunnel {
  id: string;
  /** Position among every tunnel the NSD allows: gives the tunnel its reqids, stable whichever sites are deployed. */
  index: number;
  profile: LinkSecurity;
  master: PlannedRouter;
  peer: PlannedRouter;
}

/** Run the INSTANTIATE steps; throws on failure (the runner rolls back). */
export async function instantiateNs(ctx: OperationContext, input: InstantiateInput): Promise<void> {
  const { plan, placement, ns } = input;
  const domains = [...new Set([...placement.values()].map((a) => a.id))];
  const accountById = new Map([...placement.values()].map((a) => [a.id, a]));
  const nameOf = (id: string) => accountById.get(id)!.name;
  const names = domains.map(nameOf).join(', ');

  // 1. Intents per domain, tunnels per protected link.
  await ctx.stage(1, `placing ${plan.routers.length} routers in ${domains.length} domains (${names})`);
  const intents = buildIntents(input.installationId, ns.id, plan, placement, nameOf);
  const { tunnels } = input;

  // 2. Connect to every domain's VCA.
  await ctx.stage(2, `connecting to the VCAs of ${names}`);
  const clients = new Map<string, DomainClient>();
  ctx.onUndo('close VCA sessions', async () => {
    for (const c of clients.values()) c.close();
  });
  for (const d of domains) {
    const client = await input.connector.connect(accountById.get(d)!);
    clients.set(d, client);
    await client.call('vca.hello', {});
  }
  const domainOf = (vnfId: string): DomainClient => clients.get(placement.get(vnfId)!.id)!;

  // 3. Deploy networks, routers and hosts in every domain at once (each VCA waits for its routers to boot).
  await ctx.stage(3, `deploying routers, networks and site hosts in ${names}`);
  for (const d of domains) {
    ctx.onUndo(`tear down ${nameOf(d)}`, async () => {
      await clients.get(d)!.call('vca.teardown', { installationId: input.installationId, instanceId: ns.id });
    });
  }
  const { vnfInstances, hosts } = await deploySites(ns.id, plan, intents, clients);

  // 4. Key-id synchronisation, tunnel by tunnel (source paper's order).
  const keyIds = await keyTunnels(ctx, 4, ns.id, tunnels, placement, domainOf);

  // 5. SAs and policies: inbound at both ends first, then outbound.
  const sas = await installTunnels(ctx, 5, ns.id, tunnels, new SpiAllocator(), domainOf);

  // 6. Verify every router reports its SAs, then record the result.
  await ctx.stage(6, 'verifying SAs on every router');
  await verifySas(ns.id, plan.routers.map((r) => r.vnfId), sas, domainOf);
  const day1Events = await runDay1(ctx, 6, ns.id, input.day1 ?? [], vnfInstances, domainOf);
  const now = new Date().toISOString();
  const tunnelRecords = tunnels.map((t, i) => tunnelRecord(t, keyIds.get(t.id)!, sas[i]!, now));
  for (const c of clients.values()) c.close();
  clients.clear();
  await input.saveNs({
    ...ns,
    nsState: 'INSTANTIATED',
    vnfInstance: vnfInstances,
    qkdVpn: {
      domains,
      tunnels: tunnelRecords,
      hosts,
      history: [...(ns.qkdVpn?.history ?? []), ...tunnelRecords.map(establishedEvent(now)), ...day1Events],
    },
  });
}

/**
 * Send every domain its intent at once and wait for all (a failure must not
 * start an undo while another deploy still runs); what the NS instance
 * records of the routers and hosts deployed.
 */
export async function deploySites(
  nsId: string,
  plan: IpPlan,
  intents: ReadonlyMap<string, DomainIntent>,
  clients: ReadonlyMap<string, DomainClient>,
): Promise<{ vnfInstances: VnfInstance[]; hosts: NonNullable<NsInstance['qkdVpn']>['hosts'] }> {
  const domains = [...intents.keys()];
  // The VCA client's errors already name their domain ("VCA of <domain>: ...").
  const deployed = await settleAll(domains.map((d) => clients.get(d)!.call('vca.deploy', intents.get(d)!, 180_000)));
  const vnfInstances: VnfInstance[] = [];
  const hosts: NonNullable<NsInstance['qkdVpn']>['hosts'] = [];
  for (const [i, d] of domains.entries()) {
    const result = deployed[i]!;
    for (const r of result.routers) {
      const planned = plan.routers.find((p) => p.vnfId === r.vnfId)!;
      vnfInstances.push({
        id: `${nsId}-${r.vnfId}`,
        vnfdId: planned.vnfdId,
        vnfProfileId: r.vnfId,
        vimId: d,
        instantiationState: 'INSTANTIATED',
        metadata: { namespace: r.namespace, mgmtAddress: r.mgmtAddress, netconfPort: r.netconfPort, netconfHostKeyFingerprint: r.hostKeyFingerprint, tunnelAddress: planned.tunnelAddress, lanSubnets: planned.lanSubnets },
      });
    }
    for (const h of result.hosts) hosts.push({ id: h.id, domain: d, namespace: h.namespace, address: h.address });
  }
  return { vnfInstances, hosts };
}

/**
 * Key-id synchronisation of each tunnel (source paper's order: the master obtains keys, the peer
 * fetches them by id): one `vca.obtainKeys` per domain for the master ends, then one for the peer
 * ends, each domain's Proxy Agent keying its items side by side.
 */
export async function keyTunnels(
  ctx: OperationContext,
  stage: number,
  nsId: string,
  tunnels: PlannedTunnel[],
  placement: ReadonlyMap<string, VimAccount>,
  domainOf: (vnfId: string) => DomainClient,
): Promise<Map<string, KeyIds>> {
  const keyIds = new Map<string, KeyIds>();
  if (tunnels.length === 0) return keyIds;
  const [only] = tunnels;
  for (const t of tunnels) {
    const clients = [...new Set([domainOf(t.master.vnfId), domainOf(t.peer.vnfId)])];
    ctx.onUndo(`release keys of ${t.id}`, async () => {
      await Promise.allSettled(clients.map((c) => c.call('vca.releaseKey', { instanceId: nsId, tunnelId: t.id })));
    });
  }
  const label =
    tunnels.length === 1
      ? `key-id synchronisation for tunnel ${only!.id}: ${only!.master.vnfId} obtains keys, ${only!.peer.vnfId} fetches them by id`
      : `key-id synchronisation for ${tunnels.length} tunnels, side by side: each master obtains keys, its peer fetches them by id`;
  // One stage for all (a cancel request is seen before the keying, not between tunnels: they run side by side).
  await ctx.stage(stage, label);
  const end = (t: PlannedTunnel, vnfId: string) => ({ vnfId, client: domainOf(vnfId), uri: hybridUri(t.id, placement.get(vnfId)!.hybridNodeUuid, t.profile) });
  const results = await synchroniseTunnelKeys(
    nsId,
    tunnels.map((t) => ({ tunnelId: t.id, master: end(t, t.master.vnfId), peer: end(t, t.peer.vnfId) })),
  );
  let failure: Error | undefined;
  results.forEach((r, i) => {
    const t = tunnels[i]!;
    if (r.ok) {
      ctx.log.info('key ids synchronised', { tunnel: t.id, keyStreamId: r.ids.keyStreamId, qkdKeyIds: r.ids.qkdKeyIds, combiner: r.ids.combiner });
      keyIds.set(t.id, r.ids);
      return;
    }
    // With several tunnels in one stage, the error says which one failed (unless it does already).
    const message = errorMessage(r.error);
    failure ??= tunnels.length === 1 || message.startsWith(`tunnel ${t.id}:`) ? r.error : new ProtocolError(`tunnel ${t.id}: ${message}`, { cause: r.error });
  });
  // The undo steps registered above release every tunnel's keys, those obtained included.
  if (failure) throw failure;
  return keyIds;
}

/**
 * Install the tunnels' SAs and policies, inbound at both ends first, then
 * outbound; then the Proxy Agents zero their copies of the keys (the SAs
 * hold them now). `spis` must hold the SPIs already in use at these routers.
 */
export async function installTunnels(
  ctx: OperationContext,
  stage: number,
  nsId: string,
  tunnels: PlannedTunnel[],
  spis: SpiAllocator,
  domainOf: (vnfId: string) => DomainClient,
): Promise<TunnelSas[]> {
  const sas = tunnels.map((t) => tunnelSas(t, spis));
  ctx.onUndo(`remove the SAs of ${tunnels.map((t) => t.id).join(', ')}`, async () => {
    for (const [i, t] of tunnels.entries()) {
      const entries = { id: t.id, master: t.master.vnfId, peer: t.peer.vnfId, spiOut: sas[i]!.spiOut, spiIn: sas[i]!.spiIn };
      await deleteTunnelEntries(nsId, entries, [t.master.vnfId, t.peer.vnfId], domainOf);
    }
  });
  for (const phase of ['inbound', 'outbound'] as const) {
    await ctx.stage(stage, `installing ${phase} SAs and policies over NETCONF`);
    // One <edit-config> per router for all tunnels of the phase.
    await applyEdits(nsId, mergeRouterEdits(sas.flatMap((s) => s[phase])), domainOf);
  }
  await releaseTunnelKeys(nsId, tunnels.map((t) => ({ tunnelId: t.id, clients: [domainOf(t.master.vnfId), domainOf(t.peer.vnfId)] })));
  return sas;
}

/** Check that each router reports the SAs `sas` gave it. */
export async function verifySas(nsId: string, vnfIds: string[], sas: TunnelSas[], domainOf: (vnfId: string) => DomainClient): Promise<void> {
  for (const vnfId of vnfIds) {
    const state = await domainOf(vnfId).call('vca.routerState', { instanceId: nsId, vnfId });
    const expected = sas.flatMap((s) => s.names[vnfId]?.sad ?? []);
    const missing = [...new Set(expected)].filter((n) => !state.sas.some((sa) => sa.name === n));
    if (missing.length > 0) throw new ProtocolError(`router ${vnfId} does not report SAs ${missing.join(', ')}`);
  }
}

/** The NS history entry of a tunnel just established. */
export function establishedEvent(now: string): (t: TunnelRecord) => { time: string; event: string; detail: string } {
  return (t) => ({ time: now, event: 'tunnel-established', detail: `${t.id}: SPIs ${hex(t.spiOut)}/${hex(t.spiIn)}, key stream ${t.keyIds.keyStreamId}` });
}

/** One deploy intent per domain of `placement`: its routers, the networks they join, their site hosts. */
export function buildIntents(installationId: string, nsId: string, plan: IpPlan, placement: ReadonlyMap<string, VimAccount>, nameOf: (id: string) => string): Map<string, DomainIntent> {
  const intents = new Map<string, DomainIntent>();
  for (const d of new Set([...placement.values()].map((a) => a.id))) {
    const routers = plan.routers.filter((r) => placement.get(r.vnfId)!.id === d);
    const links = new Set(routers.flatMap((r) => r.ports.map((p) => p.network)));
    intents.set(d, {
      installationId,
      instanceId: nsId,
      domain: nameOf(d),
      networks: plan.networks.filter((n) => links.has(n.id)),
      routers: routers.map((r) => ({ vnfId: r.vnfId, vnfdId: r.vnfdId, ports: r.ports, tunnelAddress: r.tunnelAddress, routes: r.routes })),
      hosts: plan.hosts.filter((h) => routers.some((r) => r.vnfId === h.vnfId)).map(({ id, network, address, gateway }) => ({ id, network, address, gateway })),
    });
  }
  return intents;
}

/** Every pair of routers on each protected link, in NSD order (the first of a pair is the key master). */
export function planTunnels(plan: IpPlan, security: LinkSecurity[]): PlannedTunnel[] {
  const tunnels: PlannedTunnel[] = [];
  for (const profile of security) {
    const ends = plan.routers.filter((r) => r.ports.some((p) => p.network === profile.virtualLinkDesc));
    for (let i = 0; i < ends.length; i++) {
      for (let j = i + 1; j < ends.length; j++) {
        tunnels.push({ id: `${ends[i]!.vnfId}--${ends[j]!.vnfId}`, index: tunnels.length, profile, master: ends[i]!, peer: ends[j]! });
      }
    }
  }
  return tunnels;
}

/**
 * A tunnel's SAD/SPD entries at both ends, with fresh SPIs from `spis`
 * (which must already hold the SPIs in use at those routers) and reqids
 * from the tunnel's index.
 */
export function tunnelSas(t: PlannedTunnel, spis: SpiAllocator): TunnelSas {
  return computeTunnelSas(
    t.id,
    { vnfId: t.master.vnfId, tunnelAddress: t.master.tunnelAddress, lanSubnet: t.master.lanSubnets[0]! },
    { vnfId: t.peer.vnfId, tunnelAddress: t.peer.tunnelAddress, lanSubnet: t.peer.lanSubnets[0]! },
    { encryption: t.profile.encryption, esn: t.profile.esn, replayWindow: t.profile.replayWindow, lifetimeSoft: lifetime(t.profile.lifetimeSoft), lifetimeHard: lifetime(t.profile.lifetimeHard) },
    spis,
    BigInt(2 * t.index + 1),
  );
}

/** What the NS instance records of an established tunnel (ids, never keys). */
export function tunnelRecord(t: PlannedTunnel, keyIds: KeyIds, sas: TunnelSas, now: string): TunnelRecord {
  return {
    id: t.id,
    securityProfileId: t.profile.id,
    master: t.master.vnfId,
    peer: t.peer.vnfId,
    combiner: t.profile.combiner,
    keySources: t.profile.keySources,
    singleSourcePolicy: t.profile.singleSourcePolicy,
    encryption: t.profile.encryption,
    keyIds,
    spiOut: sas.spiOut,
    spiIn: sas.spiIn,
    reqidBase: String(2 * t.index + 1),
    generation: 1,
    establishedAt: now,
  };
}

function lifetime(l: LinkSecurity['lifetimeSoft']): { time?: number; bytes?: bigint; packets?: number } {
  return { time: l.time, packets: l.packets, bytes: l.bytes !== undefined ? BigInt(l.bytes) : undefined };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
