/**
 * TERMINATE (ARCHITECTURE §3 step 9): delete the SAs and policies on every
 * router (outbound first, so nothing is sent into a removed inbound SA),
 * close the key streams, then have every domain remove what it created by
 * label. Removal continues past individual failures and reports them all.
 */
import { errorMessage, QnfvError } from '../../common/index.js';
import { tunnelEntryNames } from '../ccips/index.js';
import type { NsInstance, TunnelRecord, VimAccount } from '../model.js';
import type { OperationContext } from './operation-runner.js';
import type { DomainClient, DomainConnector } from './domain-client.js';

export const TERMINATE_STEPS = 3;

export interface TerminateInput {
  installationId: string;
  ns: NsInstance;
  accounts: Map<string, VimAccount>;
  connector: DomainConnector;
  saveNs: (ns: NsInstance) => Promise<void>;
}

/**
 * Delete a tunnel's SAD/SPD entries at the given ends (outbound entries at
 * every end before any inbound one, so nothing is sent into a removed inbound
 * SA) and have their Proxy Agents drop any key they still hold. Goes on past
 * failures and returns them.
 */
export async function deleteTunnelEntries(
  instanceId: string,
  t: Pick<TunnelRecord, 'id' | 'master' | 'peer' | 'spiOut' | 'spiIn'>,
  ends: string[],
  clientOf: (vnfId: string) => DomainClient | undefined,
): Promise<{ vnfId: string; error: string }[]> {
  const names = tunnelEntryNames(t);
  const failures: { vnfId: string; error: string }[] = [];
  // Each router's names are in installation order (inbound entry, then outbound).
  for (const phase of [1, 0]) {
    for (const vnfId of ends) {
      const n = names[vnfId];
      const c = clientOf(vnfId);
      if (!n || !c) continue;
      try {
        await c.call('vca.applyIpsec', { instanceId, vnfId, ikeless: null, keyBindings: [], deleteSad: [n.sad[phase]!], deleteSpd: [n.spd[phase]!], deleteOperation: 'remove' });
      } catch (err) {
        failures.push({ vnfId, error: errorMessage(err) });
      }
    }
  }
  for (const vnfId of ends) await clientOf(vnfId)?.call('vca.releaseKey', { instanceId, tunnelId: t.id }).catch(() => undefined);
  return failures;
}

/** Run the TERMINATE steps; throws when something could not be removed. */
export async function terminateNs(ctx: OperationContext, input: TerminateInput): Promise<void> {
  const { ns } = input;
  const errors: string[] = [];
  const clients = new Map<string, DomainClient>();
  const domains = ns.qkdVpn?.domains ?? [...new Set(ns.vnfInstance.map((v) => v.vimId))];
  try {
    await ctx.stage(1, `connecting to the VCAs of ${domains.map((d) => input.accounts.get(d)?.name ?? d).join(', ')}`);
    for (const d of domains) {
      const account = input.accounts.get(d);
      if (!account) {
        errors.push(`domain ${d}: VIM account no longer registered; its resources must be reconciled by that domain`);
        continue;
      }
      try {
        clients.set(d, await input.connector.connect(account));
      } catch (err) {
        errors.push(`domain ${d}: ${errorMessage(err)}`);
      }
    }
    const domainOf = (vnfId: string): DomainClient | undefined => clients.get(ns.vnfInstance.find((v) => v.vnfProfileId === vnfId)?.vimId ?? '');

    await ctx.stage(2, 'deleting SAs and policies, closing key streams');
    for (const t of ns.qkdVpn?.tunnels ?? []) {
      const failures = await deleteTunnelEntries(ns.id, t, Object.keys(tunnelEntryNames(t)), domainOf);
      for (const f of failures) ctx.log.warn('could not delete SAs (the router is removed next anyway)', { vnfId: f.vnfId, error: f.error });
    }

    await ctx.stage(3, 'removing routers, hosts and networks');
    for (const [d, c] of clients) {
      try {
        const r = await c.call('vca.teardown', { installationId: input.installationId, instanceId: ns.id }, 120_000);
        ctx.log.info('domain torn down', { domain: input.accounts.get(d)?.name ?? d, removed: r.removed.length });
      } catch (err) {
        errors.push(`domain ${d}: ${errorMessage(err)}`);
      }
    }
  } finally {
    for (const c of clients.values()) c.close();
  }
  if (errors.length > 0) throw new QnfvError('TERMINATE', errors.join('; '));
  const now = new Date().toISOString();
  await input.saveNs({
    ...ns,
    nsState: 'NOT_INSTANTIATED',
    vnfInstance: [],
    qkdVpn: { domains: [], tunnels: [], hosts: [], history: [...(ns.qkdVpn?.history ?? []), { time: now, event: 'terminated', detail: `removed from ${domains.join(', ')}` }] },
  });
}
