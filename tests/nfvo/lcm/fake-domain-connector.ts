/**
 * An in-process fake of the domains' VCAs for NFVO tests (HOUSE-STYLE rule
 * 15: fakes ship as modules). `FakeDomainConnector` implements the LCM's
 * DomainConnector; each VIM account (by name) gets a `FakeVca` that answers
 * the `vca.*` methods of vca/protocol.ts with plausible results: deploy
 * reports routers and hosts, obtainKey opens or joins a key stream in one
 * shared fake Hybridization-Module world (ids only, like the real Proxy
 * Agent returns), applyIpsec decodes the RFC 7951 JSON with the project's
 * codec and keeps a SAD/SPD per router, routerState reports it, teardown
 * forgets the instance. Like the real Proxy Agent it refuses SAD entries
 * that arrive with keys or without a key binding or held key.
 * Params and results cross a JSON round trip as they would over JSON-RPC,
 * and errors come back as the JSON-RPC client raises them
 * (`QnfvError(code, "VCA of <domain>: <message>")`). Every call is recorded
 * in one ordered log; a method can be made to fail or held until released.
 * Sessions that call `vca.subscribe` receive the events a test `emit`s.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ProtocolError, QnfvError, ValidationError, errorMessage } from '../../../common/index.js';
import { ipsecConfigFromJson, notificationToJson, type SadEntry, type SpdEntry } from '../../../common/ikeless/index.js';
import type { IkelessNotification } from '../../../common/ikeless/types.js';
import type { DomainClient, DomainConnector, VimAccount } from '../../../nfvo/index.js';
import { runRouterPrimitive } from '../../../vca/router-primitives.js';
import { VCA_EVENT, type ApplyIpsecRequest, type DomainIntent, type KeyIds, type ObtainKeyRequest, type ObtainKeysRequest, type RouterIpsecState, type VcaEvent, type VcaMethod, type VcaMethods } from '../../../vca/index.js';

/** One call the NFVO made, as the VCA received it. */
export interface RecordedCall<M extends VcaMethod = VcaMethod> {
  seq: number;
  domain: string;
  method: M;
  params: VcaMethods[M]['params'];
}

/** A fault to inject: `error` is thrown by `method` (in `domain`, when `when` matches). */
export interface Fault {
  method: VcaMethod;
  domain?: string;
  when?: (params: unknown) => boolean;
  error: Error;
  /** Fail only this many times (default: always). */
  times?: number;
}

interface FakeRouter {
  sad: Map<string, SadEntry>;
  spd: Map<string, SpdEntry>;
}

/** The fake HM world both domains share: key streams by KSID (ids only). */
type KeyWorld = Map<string, KeyIds>;

/** The VCA of one domain. */
export class FakeVca {
  readonly instances = new Map<string, { intent: DomainIntent; routers: Map<string, FakeRouter> }>();
  /** `<instanceId>/<tunnelId>` of keys the fake Proxy Agent holds. */
  readonly heldKeys = new Set<string>();
  /** Make routerState report no SAs (a router that lost its configuration). */
  hideSas = false;
  /** Tunnels whose key this VCA's (fake) HM cannot give: their items fail, the others go on. */
  readonly failKeys = new Map<string, Error>();
  /** Notification handlers of sessions that called `vca.subscribe`. */
  readonly subscribers = new Set<(method: string, params: unknown) => void>();

  constructor(
    readonly domain: string,
    private readonly world: KeyWorld,
    /** Addresses every domain's routers and hosts answer `ping` on (the shared fake network). */
    private readonly net: Set<string> = new Set(),
  ) {}

  async handle(method: VcaMethod, params: unknown): Promise<unknown> {
    switch (method) {
      case 'vca.hello':
        return { domain: this.domain, vimDriver: 'fake', version: '0.0.0-test' };
      case 'vca.deploy':
        return this.deploy(params as DomainIntent);
      case 'vca.obtainKey':
        return this.obtainKey(params as ObtainKeyRequest);
      case 'vca.obtainKeys': {
        // As the Proxy Agent: each item on its own, a failure reported in its place.
        const p = params as ObtainKeysRequest;
        return {
          results: p.keys.map((k) => {
            try {
              return { ids: this.obtainKey({ ...k, instanceId: p.instanceId }) };
            } catch (err) {
              return { error: { code: err instanceof QnfvError ? err.code : 'INTERNAL', message: errorMessage(err) } };
            }
          }),
        };
      }
      case 'vca.applyIpsec':
        return { applied: this.applyIpsec(params as ApplyIpsecRequest) };
      case 'vca.releaseKey': {
        const p = params as { instanceId: string; tunnelId: string };
        return { released: this.heldKeys.delete(`${p.instanceId}/${p.tunnelId}`) };
      }
      case 'vca.releaseKeys': {
        const p = params as { instanceId: string; tunnelIds: string[] };
        return { released: p.tunnelIds.filter((t) => this.heldKeys.delete(`${p.instanceId}/${t}`)).length };
      }
      case 'vca.routerState': {
        const p = params as { instanceId: string; vnfId: string };
        return this.routerState(p.instanceId, p.vnfId);
      }
      case 'vca.runPrimitive': {
        // The real primitive code, on a fake router: ping answers from the addresses the intents gave (a peer's WAN or tunnel endpoint, a host).
        const p = params as VcaMethods['vca.runPrimitive']['params'];
        this.router(p.instanceId, p.vnfId);
        return runRouterPrimitive(p.primitive, p.params, {
          exec: async (argv) => {
            const dst = argv[argv.length - 1]!;
            const ok = this.net.has(dst);
            return { stdout: `PING ${dst}\n--- ${dst} ping statistics ---\n3 packets transmitted, ${ok ? 3 : 0} received`, stderr: '', code: ok ? 0 : 1 };
          },
          ipsecState: async () => this.routerState(p.instanceId, p.vnfId),
        });
      }
      case 'vca.undeploy': {
        const p = params as VcaMethods['vca.undeploy']['params'];
        if (p.domain !== this.domain) throw new ValidationError(`undeploy for domain '${p.domain}' sent to the VCA of '${this.domain}'`);
        const inst = this.instances.get(p.instanceId);
        const removed = p.routers.filter((v) => inst?.routers.delete(v)).map((v) => namespaceOf(inst!.intent, v));
        if (inst && inst.routers.size === 0) this.instances.delete(p.instanceId);
        return { removed };
      }
      case 'vca.teardown': {
        const p = params as { installationId: string; instanceId: string };
        const inst = this.instances.get(p.instanceId);
        this.instances.delete(p.instanceId);
        for (const k of [...this.heldKeys]) if (k.startsWith(`${p.instanceId}/`)) this.heldKeys.delete(k);
        return { removed: inst ? [...inst.routers.keys()].map((v) => namespaceOf(inst.intent, v)) : [] };
      }
    }
  }

  /** Push a router event to every subscribed session, as the real VCA does (`vca.event`). */
  emit(instanceId: string, vnfId: string, notification: IkelessNotification): void {
    const event: VcaEvent = { domain: this.domain, instanceId, vnfId, eventTime: new Date().toISOString(), notification: notificationToJson(notification) };
    for (const h of this.subscribers) h(VCA_EVENT, JSON.parse(JSON.stringify(event)));
  }

  /** SAD entry names a fake router holds. */
  sadNames(instanceId: string, vnfId: string): string[] {
    return [...this.router(instanceId, vnfId).sad.keys()].sort();
  }

  private deploy(intent: DomainIntent): VcaMethods['vca.deploy']['result'] {
    if (intent.domain !== this.domain) throw new ValidationError(`intent for domain '${intent.domain}' sent to the VCA of '${this.domain}'`);
    // A later intent for the same instance adds routers (a site added by scaling), like the real VIM.
    const existing = this.instances.get(intent.instanceId);
    const clash = intent.routers.find((r) => existing?.routers.has(r.vnfId));
    if (clash) throw new ConflictError(`'${clash.vnfId}' of instance '${intent.instanceId}' already exists`);
    const routers = existing?.routers ?? new Map<string, FakeRouter>();
    for (const r of intent.routers) routers.set(r.vnfId, { sad: new Map(), spd: new Map() });
    for (const a of [...intent.routers.flatMap((r) => [r.tunnelAddress, ...r.ports.map((x) => x.address)]), ...intent.hosts.map((x) => x.address)]) this.net.add(a.split('/')[0]!);
    intent.routers.forEach((_r, i) => this.net.add(`169.254.${i + 1}.2`));
    const merged = existing ? { ...existing.intent, routers: [...existing.intent.routers, ...intent.routers], hosts: [...existing.intent.hosts, ...intent.hosts] } : intent;
    this.instances.set(intent.instanceId, { intent: merged, routers });
    return {
      routers: intent.routers.map((r, i) => ({
        vnfId: r.vnfId,
        namespace: namespaceOf(intent, r.vnfId),
        mgmtAddress: `169.254.${i + 1}.2`,
        netconfPort: 8300 + i,
        hostKeyFingerprint: `SHA256:${Buffer.from(`${this.domain}/${r.vnfId}`.padEnd(32, '.')).toString('base64').replace(/=+$/, '')}`,
      })),
      hosts: intent.hosts.map((h) => ({ id: h.id, namespace: namespaceOf(intent, h.id), address: h.address })),
    };
  }

  private obtainKey(req: ObtainKeyRequest): KeyIds {
    const failure = this.failKeys.get(req.tunnelId);
    if (failure) throw failure;
    const k = `${req.instanceId}/${req.tunnelId}`;
    if (this.heldKeys.has(k)) throw new ConflictError(`a key for tunnel ${req.tunnelId} is already held; release it first`);
    const uri = new URL(req.source);
    if (uri.protocol !== 'hybrid:') throw new ValidationError(`source '${req.source}' is not a hybrid:// URI`);
    let ids: KeyIds;
    if (req.ids) {
      const known = this.world.get(req.ids.keyStreamId);
      if (!known) throw new ProtocolError(`unknown key stream ${req.ids.keyStreamId}`);
      ids = structuredClone(known);
    } else {
      const sources = (uri.searchParams.get('key_sources') ?? '').split(',');
      ids = {
        keyStreamId: randomUUID(),
        index: 0,
        qkdKeyIds: sources.includes('QKD') ? [randomUUID()] : [],
        kem: sources.find((s) => s.startsWith('ML-KEM')) ?? null,
        combiner: uri.searchParams.get('hybridization') ?? 'unknown',
        degraded: false,
      };
      this.world.set(ids.keyStreamId, ids);
    }
    this.heldKeys.add(k);
    return ids;
  }

  private router(instanceId: string, vnfId: string): FakeRouter {
    const r = this.instances.get(instanceId)?.routers.get(vnfId);
    if (!r) throw new NotFoundError(`router of instance ${instanceId}`, vnfId);
    return r;
  }

  private applyIpsec(req: ApplyIpsecRequest): number {
    const router = this.router(req.instanceId, req.vnfId);
    const config = req.ikeless === null || req.ikeless === undefined ? { sad: [], spd: [] } : ipsecConfigFromJson(req.ikeless);
    for (const sa of config.sad) {
      if (sa.espSa.encryption.key || sa.espSa.integrity.key) throw new ValidationError(`SAD entry ${sa.name} arrived with key material: the controller must never send keys`);
      const binding = req.keyBindings.find((b) => b.sadName === sa.name);
      if (!binding) throw new ValidationError(`no key binding for SAD entry ${sa.name}`);
      if (!this.heldKeys.has(`${req.instanceId}/${binding.tunnelId}`)) throw new NotFoundError('hybrid key of tunnel', binding.tunnelId);
    }
    for (const n of req.deleteSad ?? []) router.sad.delete(n);
    for (const n of req.deleteSpd ?? []) router.spd.delete(n);
    for (const sa of config.sad) router.sad.set(sa.name, sa);
    for (const sp of config.spd) router.spd.set(sp.name, sp);
    return config.sad.length + config.spd.length + (req.deleteSad?.length ?? 0) + (req.deleteSpd?.length ?? 0);
  }

  private routerState(instanceId: string, vnfId: string): RouterIpsecState {
    const r = this.router(instanceId, vnfId);
    return {
      vnfId,
      datapath: { encrypted: 0, decrypted: 0, bypassed: 0, drops: {} },
      sas: this.hideSas ? [] : [...r.sad.values()].map((sa) => ({ name: sa.name, spi: sa.spi, packets: 0, bytes: '0', replayDropped: 0, outOfWindow: 0 })),
    };
  }
}

function namespaceOf(intent: DomainIntent, role: string): string {
  return `qnfv-${intent.installationId.slice(0, 8)}-${intent.instanceId.slice(0, 8)}-${role}`;
}

/** A held call: resolves `reached` when the call arrives; the call continues after `release()`. */
export interface Hold {
  reached: Promise<RecordedCall>;
  release(): void;
}

/** The DomainConnector handing out clients of the fake VCAs. */
export class FakeDomainConnector implements DomainConnector {
  readonly calls: RecordedCall[] = [];
  readonly vcas = new Map<string, FakeVca>();
  readonly world: KeyWorld = new Map();
  /** Addresses that answer the fake `ping` primitive (every deployed router's and host's, plus what a test adds). */
  readonly net = new Set<string>();
  /** Sessions opened and closed. */
  opened = 0;
  closed = 0;
  private readonly faults: Fault[] = [];
  private readonly holds: { method: VcaMethod; domain?: string; gate: Promise<void>; arrive: (c: RecordedCall) => void }[] = [];
  /** Called on every call before it is handled (tests read the op occurrence there). */
  onCall: ((call: RecordedCall) => Promise<void> | void) | undefined;

  /** The fake VCA of a domain (by VIM account name). */
  vca(domain: string): FakeVca {
    let v = this.vcas.get(domain);
    if (!v) this.vcas.set(domain, (v = new FakeVca(domain, this.world, this.net)));
    return v;
  }

  /** Make `method` fail. */
  fail(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Hold the next call of `method` (in `domain`) until released. */
  hold(method: VcaMethod, domain?: string): Hold {
    let release!: () => void;
    let arrive!: (c: RecordedCall) => void;
    const gate = new Promise<void>((r) => (release = r));
    const reached = new Promise<RecordedCall>((r) => (arrive = r));
    this.holds.push({ method, domain, gate, arrive });
    return { reached, release };
  }

  /** The recorded calls of one method (in one domain). */
  callsOf<M extends VcaMethod>(method: M, domain?: string): RecordedCall<M>[] {
    return this.calls.filter((c): c is RecordedCall<M> => c.method === method && (domain === undefined || c.domain === domain));
  }

  async connect(account: VimAccount): Promise<DomainClient> {
    const vca = this.vca(account.name);
    this.opened++;
    let open = true;
    let handler: ((method: string, params: unknown) => void) | undefined;
    let markClosed!: () => void;
    const closed = new Promise<void>((r) => (markClosed = r));
    return {
      domain: account.name,
      closed,
      onNotification: (h) => {
        handler = h;
      },
      close: () => {
        if (open) this.closed++;
        open = false;
        if (handler) vca.subscribers.delete(handler);
        markClosed();
      },
      call: async <M extends VcaMethod>(method: M, params: VcaMethods[M]['params']): Promise<VcaMethods[M]['result']> => {
        if (!open) throw new ProtocolError(`channel to VCA of ${account.name}: closed`);
        // Over JSON-RPC: what cannot be JSON cannot be sent.
        const wire = JSON.parse(JSON.stringify(params)) as VcaMethods[M]['params'];
        const call: RecordedCall<M> = { seq: this.calls.length, domain: account.name, method, params: wire };
        this.calls.push(call);
        await this.onCall?.(call);
        const held = this.holds.findIndex((h) => h.method === method && (h.domain === undefined || h.domain === account.name));
        if (held >= 0) {
          const [h] = this.holds.splice(held, 1);
          h!.arrive(call);
          await h!.gate;
        }
        try {
          const fault = this.faults.find((f) => f.method === method && (f.domain === undefined || f.domain === account.name) && (f.when?.(wire) ?? true) && (f.times ?? 1) > 0);
          if (fault) {
            if (fault.times !== undefined) fault.times--;
            throw fault.error;
          }
          if (method === 'vca.subscribe') {
            if (handler) vca.subscribers.add(handler);
            return { subscribed: true } as VcaMethods[M]['result'];
          }
          const result = await vca.handle(method, wire);
          return JSON.parse(JSON.stringify(result)) as VcaMethods[M]['result'];
        } catch (err) {
          throw new QnfvError(err instanceof QnfvError ? err.code : 'REMOTE', `VCA of ${account.name}: ${errorMessage(err)}`);
        }
      },
    };
  }
}
