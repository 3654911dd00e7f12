/**
 * NS lifecycle management (ETSI SOL005 clause 6): NS instance records, the
 * task resources instantiate/terminate, and their LCM operation occurrences.
 * One operation per NS instance at a time (409 otherwise); operations run in
 * the background after the 202 and persist every state change; on start, an
 * occurrence left PROCESSING by a crashed NFVO becomes FAILED_TEMP.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError, createLogger, errorMessage, type Logger, type Problem } from '../../common/index.js';
import type { Store, Collection } from '../store/index.js';
import type { LcmOperationType, NsInstance, NsLcmOpOcc, TunnelRecord, VimAccount } from '../model.js';
import { applyLifetimeParams, describeLifetime } from './lifetime-params.js';
import { runOperation, type OperationContext, type RunOptions } from './operation-runner.js';
import { planAddresses, restrictPlan } from './ip-plan.js';
import { sameDomainProblems } from './site-placement.js';
import { interpretScaleRequest, type ScaleNsRequest } from './scale-request.js';
import { scaleNs, SCALE_STEPS } from './scale.js';
import { callPrimitive, planAction, planSitesDay1, type PlannedPrimitive } from './vnf-primitives.js';
import { interpretInstantiateRequest, type InstantiateNsRequest } from './instantiate-request.js';
import { instantiateNs, planTunnels, INSTANTIATE_STEPS } from './instantiate.js';
import { terminateNs, TERMINATE_STEPS } from './terminate.js';
import type { NsResolver } from './resolved-ns.js';
import type { DomainConnector } from './domain-client.js';
import type { TunnelMaintenance } from '../ccips/tunnel-maintainer.js';
import type { RouterIpsecState } from '../../vca/index.js';
import type { LcmNotice } from '../subscriptions/model.js';
import { tunnelEntryNames } from '../ccips/controller.js';

export interface CreateNsRequest {
  nsdId: string;
  nsName: string;
  nsDescription?: string;
}

/** SOL005 HealNsRequest, the part qnfv acts on. */
export interface HealRequest {
  healVnfData?: { vnfInstanceId: string; cause?: string }[];
  healNsData?: { degreeHealing?: string };
}

/** OSM's NS action request. */
export interface ActionRequest {
  primitive: string;
  primitive_params?: { tunnel?: string; [k: string]: unknown };
  member_vnf_index?: string;
}

/** The NS primitives of `action` (without member_vnf_index). */
const NS_PRIMITIVES = ['rekey', 'set-lifetimes'];

export interface NsLcmOptions {
  store: Store;
  resolver: NsResolver;
  connector: DomainConnector;
  installationId: string;
  /** Base path for `_links` (e.g. `/nslcm/v1`). */
  basePath?: string;
  logger?: Logger;
  /** Rekeys of the instances' tunnels: paused during every LCM operation on an instance. */
  maintenance?: TunnelMaintenance;
  /** Told of every instance creation/deletion and operation start/result (subscriptions). Must not throw or block. */
  notify?: (notice: LcmNotice) => void;
}

/** The NS LCM service behind the `/nslcm/v1` routes. */
export class NsLcm {
  readonly instances: Collection<NsInstance>;
  readonly opOccs: Collection<NsLcmOpOcc>;
  private readonly accounts: Collection<VimAccount>;
  private readonly running = new Map<string, Promise<NsLcmOpOcc>>();
  /** Instances whose request is being checked before its operation starts (see `exclusive`). */
  private readonly claimed = new Set<string>();
  /** Occurrences whose cancellation was requested. */
  private readonly cancelRequested = new Set<string>();
  private readonly log: Logger;
  private readonly base: string;

  constructor(private readonly opts: NsLcmOptions) {
    this.instances = opts.store.collection<NsInstance>('ns_instances');
    this.opOccs = opts.store.collection<NsLcmOpOcc>('ns_lcm_op_occs');
    this.accounts = opts.store.collection<VimAccount>('vim_accounts');
    this.log = opts.logger ?? createLogger('nfvo.lcm');
    this.base = opts.basePath ?? '/nslcm/v1';
  }

  /** Mark occurrences a previous process left PROCESSING as FAILED_TEMP (SOL005 6.6.2.2). */
  async recover(): Promise<number> {
    let n = 0;
    for (const op of await this.opOccs.list()) {
      if (op.operationState === 'PROCESSING' || op.operationState === 'ROLLING_BACK') {
        const failed: NsLcmOpOcc = {
          ...op,
          operationState: 'FAILED_TEMP',
          statusEnteredTime: new Date().toISOString(),
          error: { status: 500, title: 'NFVO restarted', detail: `the NFVO stopped during stage ${op.progress.stage} (${op.progress.detail}); retry or roll back` },
        };
        await this.opOccs.put(op.id, failed);
        await this.announce(failed, 'RESULT');
        n++;
      }
    }
    if (n > 0) this.log.warn('found unfinished operations from a previous run', { count: n });
    return n;
  }

  /** POST /ns_instances: a new NOT_INSTANTIATED instance of an onboarded NSD. */
  async create(req: CreateNsRequest): Promise<NsInstance> {
    const resolved = await this.opts.resolver.resolve(req.nsdId);
    const id = randomUUID();
    const ns: NsInstance = {
      id,
      nsInstanceName: req.nsName,
      nsInstanceDescription: req.nsDescription ?? '',
      nsdId: resolved.nsdId,
      nsdInfoId: resolved.nsdInfoId,
      nsState: 'NOT_INSTANTIATED',
      vnfInstance: [],
      _links: this.nsLinks(id),
    };
    await this.instances.put(id, ns);
    this.log.info('NS instance created', { nsInstanceId: id, nsdId: resolved.nsdId });
    this.opts.notify?.({ kind: 'created', nsInstanceId: id, nsdId: ns.nsdId, nsInstanceName: ns.nsInstanceName });
    return ns;
  }

  /** GET /ns_instances/{id}. */
  async get(id: string): Promise<NsInstance> {
    const ns = await this.instances.get(id);
    if (!ns) throw new NotFoundError('NS instance', id);
    return ns;
  }

  /** DELETE /ns_instances/{id}: only when NOT_INSTANTIATED. */
  async delete(id: string): Promise<void> {
    return this.exclusive(id, async () => {
      const ns = await this.get(id);
      if (ns.nsState !== 'NOT_INSTANTIATED') throw new ConflictError(`NS instance ${id} is ${ns.nsState}; terminate it first`);
      await this.assertIdle(id);
      await this.instances.delete(id);
      this.opts.notify?.({ kind: 'deleted', nsInstanceId: id, nsdId: ns.nsdId, nsInstanceName: ns.nsInstanceName });
    });
  }

  /** POST /ns_instances/{id}/instantiate: validates synchronously, runs in the background. */
  async instantiate(id: string, req: InstantiateNsRequest): Promise<NsLcmOpOcc> {
    return this.exclusive(id, () => this.startInstantiate(id, req));
  }

  private async startInstantiate(id: string, req: InstantiateNsRequest): Promise<NsLcmOpOcc> {
    const ns = await this.get(id);
    if (ns.nsState !== 'NOT_INSTANTIATED') throw new ConflictError(`NS instance ${id} is already INSTANTIATED`);
    await this.assertIdle(id);
    const prepared = await this.prepareInstantiate(ns, req);
    await this.instances.put(id, prepared.ns);
    return this.start(prepared.ns, 'INSTANTIATE', req, INSTANTIATE_STEPS, prepared.body);
  }

  /** Check an InstantiateNsRequest against the NSD and the domains; the operation's body. */
  private async prepareInstantiate(ns: NsInstance, req: InstantiateNsRequest): Promise<{ ns: NsInstance; accounts: VimAccount[]; body: (ctx: OperationContext) => Promise<void> }> {
    const id = ns.id;
    const resolved = await this.opts.resolver.resolve(ns.nsdInfoId);
    const flavour = req.nsFlavourId ?? resolved.flavours[0] ?? '';
    if (!resolved.flavours.includes(flavour)) {
      throw new ValidationError('invalid InstantiateNsRequest', [{ path: 'nsFlavourId', message: `'${flavour}' is not a flavour of this NSD (${resolved.flavours.join(', ')})` }]);
    }
    const topology = resolved.topology(flavour);
    const plan = interpretInstantiateRequest(
      req,
      topology.vnfProfiles.map((v) => v.id),
      resolved.flavours,
      topology.virtualLinks.map((l) => l.id),
      new Set(topology.vnfProfiles.filter((v) => v.minInstances === 0).map((v) => v.id)),
    );
    // Every problem at once: unknown accounts (at the field that named them) and the address plan's.
    const problems: Problem[] = [];
    const placement = await this.placeSites(plan.placement, (vnf) => plan.placementPaths.get(vnf) ?? 'vimAccountId', problems);
    let ipPlan: ReturnType<typeof planAddresses> | undefined;
    try {
      ipPlan = planAddresses(topology, plan.overrides);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(...(err.problems.length > 0 ? err.problems : [{ path: 'vld', message: err.message }]));
    }
    const day1 = await planSitesDay1(topology.vnfProfiles, placement, req.additionalParamsForVnf, 'additionalParamsForVnf', resolved, problems);
    const allTunnels = ipPlan ? planTunnels(ipPlan, resolved.security) : [];
    problems.push(...sameDomainProblems(allTunnels, placement, (vnf) => plan.placementPaths.get(vnf) ?? 'vnf'));
    if (problems.length > 0 || !ipPlan) throw new ValidationError('invalid InstantiateNsRequest', problems);
    // Optional sites left without a domain are not deployed; the full plan keeps their addresses for scaling.
    const sites = new Set(placement.keys());
    const addresses = restrictPlan(ipPlan, sites);
    const tunnels = allTunnels.filter((t) => sites.has(t.master.vnfId) && sites.has(t.peer.vnfId));
    const saved: NsInstance = { ...ns, flavourId: plan.flavourId, addressing: plan.overrides };
    return {
      ns: saved,
      // The domains it places VNFs in, each once.
      accounts: [...new Map([...placement.values()].map((a) => [a.id, a])).values()],
      body: (ctx) =>
        instantiateNs(ctx, {
          installationId: this.opts.installationId,
          ns: saved,
          plan: addresses,
          tunnels,
          day1,
          placement,
          security: resolved.security,
          connector: this.opts.connector,
          saveNs: (n) => this.instances.put(id, n),
        }),
    };
  }

  /** Remove whatever an interrupted instantiation left in its domains (teardown by the instance's label). */
  private async clearDomains(ctx: OperationContext, ns: NsInstance, accounts: VimAccount[]): Promise<void> {
    const errors: string[] = [];
    for (const a of accounts) {
      try {
        const client = await this.opts.connector.connect(a);
        try {
          const r = await client.call('vca.teardown', { installationId: this.opts.installationId, instanceId: ns.id }, 120_000);
          ctx.log.info('leftovers removed', { domain: a.name, removed: r.removed.length });
        } finally {
          client.close();
        }
      } catch (err) {
        errors.push(`${a.name}: ${errorMessage(err)}`);
      }
    }
    if (errors.length > 0) throw new ConflictError(`could not clear the domains: ${errors.join('; ')}`);
  }

  /** POST /ns_lcm_op_occs/{id}/retry (SOL005 6.4.10): run a FAILED_TEMP operation again on the same occurrence. */
  async retry(opId: string): Promise<NsLcmOpOcc> {
    const op = await this.getOpOcc(opId);
    return this.exclusive(op.nsInstanceId, async () => {
      if (op.operationState !== 'FAILED_TEMP') throw new ConflictError(`operation ${op.id} is ${op.operationState}, not FAILED_TEMP`);
      if (this.running.has(op.nsInstanceId)) throw new ConflictError(`another LCM operation is running on NS instance ${op.nsInstanceId}`);
      const ns = await this.get(op.nsInstanceId);
      if (op.lcmOperationType === 'INSTANTIATE') {
        const prepared = await this.prepareInstantiate(ns, (op.operationParams ?? {}) as InstantiateNsRequest);
        await this.instances.put(ns.id, prepared.ns);
        return this.launch(prepared.ns, this.resumed(op, 'PROCESSING', INSTANTIATE_STEPS), INSTANTIATE_STEPS, async (ctx) => {
          // What the interrupted run created would clash with the new run: remove it first.
          await this.clearDomains(ctx, ns, prepared.accounts);
          await prepared.body(ctx);
        });
      }
      if (op.lcmOperationType === 'TERMINATE') {
        const accounts = new Map((await this.accounts.list()).map((a) => [a.id, a]));
        return this.launch(ns, this.resumed(op, 'PROCESSING', TERMINATE_STEPS), TERMINATE_STEPS, (ctx) =>
          terminateNs(ctx, { installationId: this.opts.installationId, ns, accounts, connector: this.opts.connector, saveNs: (n) => this.instances.put(ns.id, n) }),
        );
      }
      throw new ConflictError(`retry of a ${op.lcmOperationType} operation is not supported: mark it failed (POST …/fail) and send the request again${op.lcmOperationType === 'SCALE' ? ' (adding a site first clears what an interrupted addition left; heal restores SAs)' : ''}`);
    });
  }

  /** POST /ns_lcm_op_occs/{id}/rollback (SOL005 6.4.11): undo a FAILED_TEMP instantiation; ends ROLLED_BACK. */
  async rollback(opId: string): Promise<NsLcmOpOcc> {
    const op = await this.getOpOcc(opId);
    return this.exclusive(op.nsInstanceId, async () => {
      if (op.operationState !== 'FAILED_TEMP') throw new ConflictError(`operation ${op.id} is ${op.operationState}, not FAILED_TEMP`);
      if (op.lcmOperationType !== 'INSTANTIATE') throw new ConflictError(`a ${op.lcmOperationType} operation cannot be rolled back; ${op.lcmOperationType === 'TERMINATE' ? 'retry it or mark it failed' : 'mark it failed (POST …/fail) and send the request again'}`);
      if (this.running.has(op.nsInstanceId)) throw new ConflictError(`another LCM operation is running on NS instance ${op.nsInstanceId}`);
      const ns = await this.get(op.nsInstanceId);
      const accounts = await this.accountsOfRequest(ns, op.operationParams as InstantiateNsRequest);
      return this.launch(
        ns,
        this.resumed(op, 'ROLLING_BACK', 1),
        1,
        async (ctx) => {
          await ctx.stage(1, `removing what the instantiation created in ${accounts.map((a) => a.name).join(', ')}`);
          await this.clearDomains(ctx, ns, accounts);
          await this.instances.put(ns.id, { ...ns, nsState: 'NOT_INSTANTIATED', vnfInstance: [], qkdVpn: undefined });
        },
        { successState: 'ROLLED_BACK', onFailure: 'keep' },
      );
    });
  }

  /** POST /ns_lcm_op_occs/{id}/cancel (SOL005 6.4.14): stop a PROCESSING operation at its next stage; it becomes FAILED_TEMP. */
  async cancel(opId: string): Promise<NsLcmOpOcc> {
    const op = await this.getOpOcc(opId);
    if (op.operationState !== 'PROCESSING' || !this.running.has(op.nsInstanceId)) throw new ConflictError(`operation ${op.id} is ${op.operationState}; only a PROCESSING operation can be cancelled`);
    this.cancelRequested.add(op.id);
    const pending = { ...op, isCancelPending: true };
    await this.opOccs.put(op.id, pending);
    return pending;
  }

  /** The domains an instantiate request places VNFs in (known accounts only). */
  private async accountsOfRequest(ns: NsInstance, req: InstantiateNsRequest): Promise<VimAccount[]> {
    try {
      return (await this.prepareInstantiate(ns, req ?? {})).accounts;
    } catch {
      // The NSD or an account changed since: every registered domain may hold leftovers.
      return this.accounts.list();
    }
  }

  /** An occurrence taken up again by retry or rollback. */
  private resumed(op: NsLcmOpOcc, state: 'PROCESSING' | 'ROLLING_BACK', steps: number): NsLcmOpOcc {
    const { error: _e, ...rest } = op;
    return { ...rest, operationState: state, statusEnteredTime: new Date().toISOString(), isCancelPending: false, progress: { stage: `0/${steps}`, detail: state === 'PROCESSING' ? 'retrying' : 'rolling back' } };
  }

  /** POST /ns_instances/{id}/terminate. */
  async terminate(id: string, req: unknown): Promise<NsLcmOpOcc> {
    return this.exclusive(id, async () => {
      const ns = await this.get(id);
      if (ns.nsState !== 'INSTANTIATED') throw new ConflictError(`NS instance ${id} is NOT_INSTANTIATED`);
      await this.assertIdle(id);
      const accounts = new Map((await this.accounts.list()).map((a) => [a.id, a]));
      return this.start(ns, 'TERMINATE', req ?? {}, TERMINATE_STEPS, (ctx) =>
        terminateNs(ctx, { installationId: this.opts.installationId, ns, accounts, connector: this.opts.connector, saveNs: (n) => this.instances.put(id, n) }),
      );
    });
  }

  /**
   * POST /ns_instances/{id}/scale (SOL005 6.4.5, ScaleNsRequest SCALE_NS):
   * add sites (optional VNF profiles, each placed by `locationConstraints`)
   * and remove optional sites, as one SCALE operation (see scale.ts).
   */
  async scale(id: string, req: ScaleNsRequest): Promise<NsLcmOpOcc> {
    return this.exclusive(id, async () => {
      const ns = await this.get(id);
      if (ns.nsState !== 'INSTANTIATED') throw new ConflictError(`NS instance ${id} is NOT_INSTANTIATED`);
      await this.assertIdle(id);
      const resolved = await this.opts.resolver.resolve(ns.nsdInfoId);
      const topology = resolved.topology(ns.flavourId ?? resolved.flavours[0] ?? '');
      const request = interpretScaleRequest(req, { profiles: topology.vnfProfiles, deployed: ns.vnfInstance });
      const problems: Problem[] = [];
      const add = await this.placeSites(request.add, (vnf) => request.addPaths.get(vnf)!, problems);
      // The same plan as at instantiation: a site gets the addresses it would have had then.
      const plan = planAddresses(topology, ns.addressing ?? {});
      const tunnels = planTunnels(plan, resolved.security);
      const accounts = new Map((await this.accounts.list()).map((a) => [a.id, a]));
      const placement = new Map<string, VimAccount>(add);
      for (const v of ns.vnfInstance) {
        const account = accounts.get(v.vimId);
        if (account && !request.remove.includes(v.vnfProfileId)) placement.set(v.vnfProfileId, account);
      }
      problems.push(...sameDomainProblems(tunnels, placement, (vnf) => request.addPaths.get(vnf) ?? 'scaleNsData.locationConstraints'));
      const day1 = await planSitesDay1(topology.vnfProfiles, add, req.scaleNsData?.additionalParamsForVnf, 'scaleNsData.additionalParamsForVnf', resolved, problems);
      if (problems.length > 0) throw new ValidationError('invalid ScaleNsRequest', problems);
      const maintenance = this.opts.maintenance;
      return this.start(ns, 'SCALE', req, SCALE_STEPS, async (ctx) => {
        await scaleNs(ctx, { installationId: this.opts.installationId, ns, plan, tunnels, day1, add, remove: request.remove, accounts, connector: this.opts.connector, saveNs: (n) => this.instances.put(id, n) });
        maintenance?.watch([...add.values()].map((a) => a.id));
      });
    });
  }

  /**
   * POST /ns_instances/{id}/action (OSM's NS action): run a primitive on an
   * instantiated NS as an LCM operation. NS primitives: `rekey` (every tunnel,
   * or `primitive_params.tunnel`), make-before-break with fresh hybrid keys.
   */
  async action(id: string, req: ActionRequest): Promise<NsLcmOpOcc> {
    return this.exclusive(id, async () => {
      const ns = await this.get(id);
      if (ns.nsState !== 'INSTANTIATED') throw new ConflictError(`NS instance ${id} is NOT_INSTANTIATED`);
      await this.assertIdle(id);
      if (req.member_vnf_index !== undefined) {
        const v = ns.vnfInstance.find((x) => x.vnfProfileId === req.member_vnf_index);
        if (!v) throw new ValidationError('invalid action', [{ path: 'member_vnf_index', message: `'${req.member_vnf_index}' is not a VNF of this NS (${ns.vnfInstance.map((x) => x.vnfProfileId).join(', ')})` }]);
        const decl = await (await this.opts.resolver.resolve(ns.nsdInfoId)).vnfPrimitives(v.vnfdId);
        const planned = planAction(v.vnfProfileId, v.vnfdId, decl, req.primitive, req.primitive_params ?? {});
        const account = await this.account(v.vimId);
        return this.start(ns, 'ACTION', req, 1, async (ctx) => {
          await ctx.stage(1, `running ${planned.name} on ${v.vnfProfileId} in ${account.name}`);
          const output = await this.runPrimitive(ns, v, account, planned);
          await ctx.record({ actionResult: { vnfId: v.vnfProfileId, primitive: planned.name, output } });
        });
      }
      if (!NS_PRIMITIVES.includes(req.primitive)) throw new ValidationError('invalid action', [{ path: 'primitive', message: `unknown NS primitive '${req.primitive}' (NS primitives: ${NS_PRIMITIVES.join(', ')}; a VNF primitive needs member_vnf_index)` }]);
      const maintenance = this.opts.maintenance;
      if (!maintenance) throw new ConflictError('tunnel maintenance is not running in this NFVO');
      const all = ns.qkdVpn?.tunnels ?? [];
      const { tunnel: wanted, ...rest } = req.primitive_params ?? {};
      const tunnels = wanted === undefined ? all : all.filter((t) => t.id === wanted);
      if (tunnels.length === 0) throw new ValidationError('invalid action', [{ path: 'primitive_params.tunnel', message: `no tunnel '${String(wanted)}' in this NS (${all.map((t) => t.id).join(', ') || 'none'})` }]);
      if (req.primitive === 'rekey') {
        const extra = Object.keys(rest);
        if (extra.length > 0) throw new ValidationError('invalid action', extra.map((k) => ({ path: `primitive_params.${k}`, message: "'rekey' takes only 'tunnel'" })));
        // All the tunnels together (rekeyTunnels: keys side by side, one edit per router per phase, one drain).
        return this.start(ns, 'ACTION', req, 1, async (ctx) => {
          const [only] = tunnels;
          await ctx.stage(1, tunnels.length === 1 ? `rekeying tunnel ${only!.id} (generation ${only!.generation} → ${only!.generation + 1})` : `rekeying ${tunnels.length} tunnels together: ${tunnels.map((t) => t.id).join(', ')}`);
          await maintenance.rekeyInOperation(id, tunnels.map((t) => t.id), 'operator action');
        });
      }
      // set-lifetimes: new limits on the tunnels' records, then a make-before-break rekey puts them on fresh SAs.
      const security = (await this.opts.resolver.resolve(ns.nsdInfoId)).security;
      const changed = tunnels.map((t) => {
        const profile = security.find((p) => p.id === t.securityProfileId);
        const current = t.lifetimes ?? { soft: profile?.lifetimeSoft ?? {}, hard: profile?.lifetimeHard ?? {} };
        return { t, lifetimes: applyLifetimeParams(current, rest) };
      });
      // The new limits on every tunnel's record (each restored if the operation fails), then all the
      // tunnels rekeyed onto them in one run.
      return this.start(ns, 'ACTION', req, 1, async (ctx) => {
        const [first] = changed;
        const what =
          changed.length === 1
            ? `tunnel ${first!.t.id}: lifetimes soft ${describeLifetime(first!.lifetimes.soft)}, hard ${describeLifetime(first!.lifetimes.hard)}`
            : `${changed.length} tunnels: ${Object.entries(rest).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`;
        await ctx.stage(1, `${what}; rekeying onto them`);
        for (const { t, lifetimes } of changed) {
          const before = (await this.get(id)).qkdVpn?.tunnels.find((x) => x.id === t.id)?.lifetimes;
          await this.setTunnelLifetimes(id, t.id, lifetimes);
          ctx.onUndo(`restore the lifetimes of ${t.id}`, () => this.setTunnelLifetimes(id, t.id, before));
        }
        await maintenance.rekeyInOperation(id, changed.map((c) => c.t.id), 'operator changed lifetimes');
      });
    });
  }

  /**
   * POST /ns_instances/{id}/heal (SOL005 6.4.7, HealNsRequest): check every
   * router (or those named in `healVnfData`) over its VCA and restore the
   * tunnels whose SAs a router lost, with fresh keys (make-before-break
   * rekey, which reinstalls both ends). A router that does not answer fails
   * the operation with the reason: redeploying a router is not supported yet.
   */
  async heal(id: string, req: HealRequest): Promise<NsLcmOpOcc> {
    return this.exclusive(id, async () => {
      const ns = await this.get(id);
      if (ns.nsState !== 'INSTANTIATED') throw new ConflictError(`NS instance ${id} is NOT_INSTANTIATED`);
      await this.assertIdle(id);
      const maintenance = this.opts.maintenance;
      if (!maintenance) throw new ConflictError('tunnel maintenance is not running in this NFVO');
      const wanted = (req.healVnfData ?? []).map((v) => v.vnfInstanceId);
      const unknown = wanted.filter((w) => !ns.vnfInstance.some((v) => v.id === w || v.vnfProfileId === w));
      if (unknown.length > 0) throw new ValidationError('invalid HealNsRequest', unknown.map((u, i) => ({ path: `healVnfData[${i}].vnfInstanceId`, message: `'${u}' is not a VNF instance of this NS` })));
      const vnfs = wanted.length === 0 ? ns.vnfInstance : ns.vnfInstance.filter((v) => wanted.includes(v.id) || wanted.includes(v.vnfProfileId));
      return this.start(ns, 'HEAL', req, 2, async (ctx) => {
        await ctx.stage(1, `checking the SAs of ${vnfs.map((v) => v.vnfProfileId).join(', ')}`);
        const broken = new Map<string, string[]>();
        for (const v of vnfs) {
          const account = await this.account(v.vimId);
          const state = await this.routerState(ns, v, account).catch((err: unknown) => {
            throw new ConflictError(`router ${v.vnfProfileId} in ${account.name} does not answer (${errorMessage(err)}); redeploying a router is not supported yet: terminate and instantiate the NS`);
          });
          const present = new Set(state.sas.map((sa) => sa.name));
          for (const t of ns.qkdVpn?.tunnels ?? []) {
            const names = tunnelEntryNames(t)[v.vnfProfileId];
            if (names && names.sad.some((n) => !present.has(n))) broken.set(t.id, [...(broken.get(t.id) ?? []), v.vnfProfileId]);
          }
        }
        if (broken.size === 0) {
          await ctx.stage(2, 'every SA is in place: nothing to restore');
          return;
        }
        await ctx.stage(2, `restoring ${[...broken].map(([t, at]) => `${t} (SAs missing at ${at.join(', ')})`).join('; ')} with fresh keys`);
        // All the broken tunnels in one rekey run.
        await maintenance.rekeyInOperation(id, [...broken.keys()], 'heal');
      });
    });
  }

  /** Store (or clear) a tunnel's operator lifetimes on the NS record. */
  private async setTunnelLifetimes(nsId: string, tunnelId: string, lifetimes: TunnelRecord['lifetimes']): Promise<void> {
    const ns = await this.get(nsId);
    if (!ns.qkdVpn) return;
    const tunnels = ns.qkdVpn.tunnels.map((t) => {
      if (t.id !== tunnelId) return t;
      const { lifetimes: _old, ...rest } = t;
      return lifetimes ? { ...rest, lifetimes } : rest;
    });
    await this.instances.put(nsId, { ...ns, qkdVpn: { ...ns.qkdVpn, tunnels } });
  }

  /** Run a VNF config primitive on one router through its domain's VCA; its output. */
  private async runPrimitive(ns: NsInstance, v: NsInstance['vnfInstance'][number], account: VimAccount, p: PlannedPrimitive): Promise<string> {
    const client = await this.opts.connector.connect(account);
    try {
      return (await callPrimitive(client, ns.id, p, v.metadata.mgmtAddress)).output;
    } finally {
      client.close();
    }
  }

  /** One router's SA state (ids and counters), read by its domain's VCA. */
  private async routerState(ns: NsInstance, v: NsInstance['vnfInstance'][number], account: VimAccount): Promise<RouterIpsecState> {
    const client = await this.opts.connector.connect(account);
    try {
      return await client.call('vca.routerState', { instanceId: ns.id, vnfId: v.vnfProfileId });
    } finally {
      client.close();
    }
  }


  /** SA state (ids and counters, never keys) of every router of an instantiated NS, read over NETCONF by each domain's VCA. */
  async ipsecState(id: string): Promise<RouterIpsecState[]> {
    const ns = await this.get(id);
    const out: RouterIpsecState[] = [];
    for (const v of ns.vnfInstance) out.push(await this.routerState(ns, v, await this.account(v.vimId)));
    return out;
  }

  /** GET /ns_lcm_op_occs/{id}. */
  async getOpOcc(id: string): Promise<NsLcmOpOcc> {
    const op = await this.opOccs.get(id);
    if (!op) throw new NotFoundError('NS LCM operation occurrence', id);
    return op;
  }

  /** POST /ns_lcm_op_occs/{id}/fail: a FAILED_TEMP occurrence becomes FAILED for good (SOL005 6.4.13). */
  async fail(opId: string): Promise<NsLcmOpOcc> {
    const op = await this.getOpOcc(opId);
    if (op.operationState !== 'FAILED_TEMP') throw new ConflictError(`operation ${op.id} is ${op.operationState}, not FAILED_TEMP`);
    const failed: NsLcmOpOcc = { ...op, operationState: 'FAILED', statusEnteredTime: new Date().toISOString() };
    await this.opOccs.put(op.id, failed);
    await this.announce(failed, 'RESULT');
    return failed;
  }

  /** Tell the subscribers about an operation (the instance may be gone). */
  private async announce(op: NsLcmOpOcc, status: 'START' | 'RESULT'): Promise<void> {
    if (!this.opts.notify) return;
    const ns = await this.instances.get(op.nsInstanceId);
    this.opts.notify({ kind: 'operation', status, op, nsdId: ns?.nsdId ?? '', nsInstanceName: ns?.nsInstanceName ?? '' });
  }

  /** Resolves when the running operation of this instance (if any) has ended. */
  async settle(nsInstanceId: string): Promise<NsLcmOpOcc | undefined> {
    return this.running.get(nsInstanceId);
  }

  /** Wait for every running operation (shutdown, tests). */
  async settleAll(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async start(
    ns: NsInstance,
    type: LcmOperationType,
    params: unknown,
    steps: number,
    body: (ctx: OperationContext) => Promise<void>,
  ): Promise<NsLcmOpOcc> {
    const now = new Date().toISOString();
    const id = randomUUID();
    const op: NsLcmOpOcc = {
      id,
      operationState: 'PROCESSING',
      statusEnteredTime: now,
      nsInstanceId: ns.id,
      lcmOperationType: type,
      startTime: now,
      isAutomaticInvocation: false,
      operationParams: params,
      isCancelPending: false,
      progress: { stage: `0/${steps}`, detail: 'starting' },
      _links: { self: { href: `${this.base}/ns_lcm_op_occs/${id}` }, nsInstance: { href: `${this.base}/ns_instances/${ns.id}` } },
    };
    return this.launch(ns, op, steps, body);
  }

  /** Persist `op` and run `body` in the background; resolves once the occurrence is recorded. */
  private async launch(ns: NsInstance, op: NsLcmOpOcc, steps: number, body: (ctx: OperationContext) => Promise<void>, runOpts: RunOptions = {}): Promise<NsLcmOpOcc> {
    const type = op.lcmOperationType;
    await this.opOccs.put(op.id, op);
    this.log.info('operation started', { opOccId: op.id, nsInstanceId: ns.id, type, state: op.operationState });
    this.opts.notify?.({ kind: 'operation', status: 'START', op, nsdId: ns.nsdId, nsInstanceName: ns.nsInstanceName });
    const maintenance = this.opts.maintenance;
    // An LCM operation pre-empts rekeys of the instance: none starts, the running one finishes first.
    const guarded = async (ctx: OperationContext): Promise<void> => {
      await maintenance?.pause(ns.id);
      await body(ctx);
    };
    const run = runOperation(op, steps, this.opOccs, this.log, guarded, { ...runOpts, cancelled: () => this.cancelRequested.has(op.id) })
      .then((done) => {
        this.opts.notify?.({ kind: 'operation', status: 'RESULT', op: done, nsdId: ns.nsdId, nsInstanceName: ns.nsInstanceName });
        if (done.operationState === 'COMPLETED' && type === 'INSTANTIATE') {
          void this.instances.get(ns.id).then((n) => maintenance?.watch([...new Set((n?.vnfInstance ?? []).map((v) => v.vimId))]));
        }
        return done;
      })
      .catch((err: unknown) => {
        // Only the store failing while recording the outcome gets here; the occurrence stays
        // PROCESSING on disk and becomes FAILED_TEMP at the next start.
        this.log.error('could not record the outcome of an operation', { opOccId: op.id, error: errorMessage(err) });
        return op;
      })
      .finally(() => {
        this.cancelRequested.delete(op.id);
        maintenance?.resume(ns.id);
        this.running.delete(ns.id);
      });
    this.running.set(ns.id, run);
    return op;
  }

  /**
   * Check a request and start its operation holding the instance's claim:
   * the checks await the store, and without the claim two concurrent requests
   * could both pass them and start two operations on one instance.
   */
  private async exclusive<T>(nsInstanceId: string, fn: () => Promise<T>): Promise<T> {
    if (this.claimed.has(nsInstanceId)) throw new ConflictError(`another LCM operation is starting on NS instance ${nsInstanceId}`);
    this.claimed.add(nsInstanceId);
    try {
      return await fn();
    } finally {
      this.claimed.delete(nsInstanceId);
    }
  }

  private async assertIdle(nsInstanceId: string): Promise<void> {
    if (this.running.has(nsInstanceId)) {
      throw new ConflictError(`another LCM operation is running on NS instance ${nsInstanceId}`);
    }
    const stuck = (await this.opOccs.list()).find((o) => o.nsInstanceId === nsInstanceId && o.operationState === 'FAILED_TEMP');
    if (stuck) throw new ConflictError(`operation ${stuck.id} on this NS instance is FAILED_TEMP; retry, roll back or fail it first`);
  }

  private async account(ref: string): Promise<VimAccount> {
    const account = await this.findAccount(ref);
    if (!account) throw new ValidationError(`VIM account '${ref}' is not registered (see /admin/v1/vim_accounts)`);
    return account;
  }

  /** VNF profile → VIM account, from the accounts a request names; an unknown one is a problem at the field that named it (once per field). */
  private async placeSites(refs: ReadonlyMap<string, string>, pathOf: (vnf: string) => string, problems: Problem[]): Promise<Map<string, VimAccount>> {
    const placement = new Map<string, VimAccount>();
    for (const [vnf, ref] of refs) {
      const account = await this.findAccount(ref);
      const path = pathOf(vnf);
      if (account) placement.set(vnf, account);
      else if (!problems.some((p) => p.path === path)) problems.push({ path, message: `VIM account '${ref}' is not registered (see /admin/v1/vim_accounts)` });
    }
    return placement;
  }

  /** A VIM account by id or by name. */
  private async findAccount(ref: string): Promise<VimAccount | undefined> {
    return (await this.accounts.get(ref).catch(() => undefined)) ?? (await this.accounts.list()).find((a) => a.name === ref);
  }

  private nsLinks(id: string): NsInstance['_links'] {
    const self = `${this.base}/ns_instances/${id}`;
    return { self: { href: self }, instantiate: { href: `${self}/instantiate` }, terminate: { href: `${self}/terminate` }, scale: { href: `${self}/scale` }, heal: { href: `${self}/heal` }, action: { href: `${self}/action` } };
  }
}
