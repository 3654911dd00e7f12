/**
 * The VCA of one domain as a service: an SSH server whose `qnfv-vca`
 * subsystem speaks the JSON-RPC protocol of protocol.ts to the NFVO (only
 * the NFVO's public key may log in; its host key is what the NFVO pins).
 * Each request is handled by the deployer (VIM), the Proxy Agent (keys and
 * NETCONF) or the router sessions. One VCA serves many NS instances.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SshServer, fingerprint, loadOrCreateKeyPair } from '../common/ssh/index.js';
import { ipsecStateFromXml, ipsecConfigFromXml } from '../common/ikeless/index.js';
import { IKELESS_NS, type IkelessNotification } from '../common/ikeless/types.js';
import { NotFoundError, ValidationError, createLogger, type Logger } from '../common/index.js';
import { runRouterPrimitive } from './router-primitives.js';
import type { VimDriver } from '../vim/index.js';
import { QNFV_ROUTER_NS, datapathCountersFromXml } from '../virtual-router/index.js';
import { serveJsonRpc, type RpcChannel, type RpcHandlers } from './json-rpc.js';
import { notificationToJson } from '../common/ikeless/index.js';
import { RouterSessions } from './router-sessions.js';
import { ProxyAgent, type HmEndpoint } from './proxy-agent.js';
import { deployIntent, removeWorkDir } from './deployer.js';
import { VCA_EVENT, VCA_SUBSYSTEM, type VcaEvent, type ApplyIpsecRequest, type DomainIntent, type ObtainKeyRequest, type RouterIpsecState, type RunPrimitiveRequest, type UndeployRequest, type VcaMethods } from './protocol.js';

export interface VcaOptions {
  domain: string;
  vim: VimDriver;
  hm: HmEndpoint;
  /** Keys, day-0 files and router logs live here. */
  dataDir: string;
  /** OpenSSH public keys allowed to log in as the NFVO. */
  nfvoAuthorizedKeys: string[];
  logger?: Logger;
}

/** A running VCA. */
export class VcaService {
  private ssh: SshServer | undefined;
  private readonly log: Logger;
  private routers!: RouterSessions;
  private proxy!: ProxyAgent;
  private hostKeyFp = '';
  private clientPublicKey = '';
  /** Channels of NFVOs that asked for router events (`vca.subscribe`). */
  private readonly subscribers = new Set<RpcChannel>();

  constructor(private readonly opts: VcaOptions) {
    this.log = opts.logger ?? createLogger(`vca.${opts.domain}`);
  }

  /** The host key fingerprint the NFVO must pin. */
  get hostKeyFingerprint(): string {
    return this.hostKeyFp;
  }

  /** Start listening for the NFVO; resolves to the bound port. */
  async start(port = 0, host = '127.0.0.1'): Promise<{ host: string; port: number; hostKeyFingerprint: string }> {
    await mkdir(this.opts.dataDir, { recursive: true, mode: 0o700 });
    const hostKey = await loadOrCreateKeyPair(join(this.opts.dataDir, 'ssh_host_ed25519_key'), `qnfv-vca-${this.opts.domain}`);
    const clientKey = await loadOrCreateKeyPair(join(this.opts.dataDir, 'netconf_client_ed25519_key'), `qnfv-vca-${this.opts.domain}-netconf`);
    this.hostKeyFp = fingerprint(hostKey.publicKey);
    this.clientPublicKey = clientKey.publicKey;
    this.routers = new RouterSessions({ username: 'admin', privateKey: clientKey.privateKey });
    this.proxy = new ProxyAgent(this.opts.hm, this.routers);
    this.ssh = new SshServer({
      hostKeys: [hostKey.privateKey],
      authenticate: [{ user: 'nfvo', groups: ['nfvo'], authorizedKeys: this.opts.nfvoAuthorizedKeys }],
      subsystems: { [VCA_SUBSYSTEM]: (stream) => serveJsonRpc(stream, this.handlers()) },
      logger: this.log.child('ssh'),
    });
    const bound = await this.ssh.listen(port, host);
    this.log.info('VCA listening', { host: bound.address, port: bound.port, hostKeyFingerprint: this.hostKeyFp, vim: this.opts.vim.kind });
    return { host: bound.address, port: bound.port, hostKeyFingerprint: this.hostKeyFp };
  }

  /** Stop serving and close router sessions (routers keep running; teardown removes them). */
  async stop(): Promise<void> {
    await this.ssh?.close();
    await this.routers?.closeAll();
    await this.proxy?.close();
  }

  /** Forward a router's notification to every subscribed NFVO channel. */
  private publish(instanceId: string, vnfId: string, eventTime: string, n: IkelessNotification): void {
    const event: VcaEvent = { domain: this.opts.domain, instanceId, vnfId, eventTime, notification: notificationToJson(n) };
    this.log.info('router event', { instanceId, vnfId, type: n.type, ...('ipsecSaName' in n ? { sa: n.ipsecSaName } : {}), subscribers: this.subscribers.size });
    for (const ch of this.subscribers) if (!ch.notify(VCA_EVENT, event)) this.subscribers.delete(ch);
  }

  private handlers(): RpcHandlers {
    const h: { [M in keyof VcaMethods]: (p: VcaMethods[M]['params'], ch: RpcChannel) => Promise<VcaMethods[M]['result']> } = {
      'vca.hello': async () => ({ domain: this.opts.domain, vimDriver: this.opts.vim.kind, version: '0.1.0' }),
      'vca.deploy': async (intent: DomainIntent) => {
        if (intent.domain !== this.opts.domain) throw new ValidationError(`intent for domain '${intent.domain}' sent to the VCA of '${this.opts.domain}'`);
        return deployIntent(
          {
            vim: this.opts.vim,
            routers: this.routers,
            workDir: join(this.opts.dataDir, 'instances'),
            clientPublicKey: this.clientPublicKey,
            onRouterEvent: (vnfId, time, n) => this.publish(intent.instanceId, vnfId, time, n),
          },
          intent,
        );
      },
      'vca.obtainKey': async (req: ObtainKeyRequest) => this.proxy.obtainKey(req),
      'vca.applyIpsec': async (req: ApplyIpsecRequest) => ({ applied: await this.proxy.applyIpsec(req) }),
      'vca.obtainKeys': async (req) => ({ results: await this.proxy.obtainKeys(req) }),
      'vca.releaseKey': async (p) => ({ released: this.proxy.releaseKey(p.instanceId, p.tunnelId) }),
      'vca.releaseKeys': async (p) => ({ released: this.proxy.releaseKeys(p.instanceId, p.tunnelIds) }),
      'vca.routerState': async (p) => this.routerState(p.instanceId, p.vnfId),
      'vca.subscribe': async (_p, ch) => {
        this.subscribers.add(ch);
        ch.onClose(() => this.subscribers.delete(ch));
        return { subscribed: true };
      },
      'vca.teardown': async (p) => {
        this.proxy.releaseInstance(p.instanceId);
        await this.routers.closeInstance(p.instanceId);
        const report = await this.opts.vim.removeInstance(p.instanceId);
        await removeWorkDir(join(this.opts.dataDir, 'instances'), p.instanceId);
        const removed = [...report.namespaces, ...report.links];
        this.log.info('instance removed', { instanceId: p.instanceId, removed: removed.length });
        return { removed };
      },
      'vca.runPrimitive': async (p: RunPrimitiveRequest) => {
        const sandbox = (await this.opts.vim.listResources({ instanceId: p.instanceId, domain: this.opts.domain })).find((r) => r.role === 'router' && r.id === p.vnfId && r.domain === this.opts.domain);
        if (!sandbox) throw new NotFoundError(`router of instance ${p.instanceId} in ${this.opts.domain}`, p.vnfId);
        this.log.info('running primitive', { instanceId: p.instanceId, vnfId: p.vnfId, primitive: p.primitive });
        return runRouterPrimitive(p.primitive, p.params, {
          exec: (argv, timeoutMs) => this.opts.vim.exec(sandbox.name, argv, { allowFailure: true, timeoutMs }),
          ipsecState: () => this.routerState(p.instanceId, p.vnfId),
        });
      },
      'vca.undeploy': async (p: UndeployRequest) => {
        if (p.domain !== this.opts.domain) throw new ValidationError(`undeploy for domain '${p.domain}' sent to the VCA of '${this.opts.domain}'`);
        for (const vnfId of p.routers) await this.routers.close(p.instanceId, vnfId);
        const report = await this.opts.vim.removeNodes({ instanceId: p.instanceId, routers: p.routers, hosts: p.hosts, networks: p.networks });
        for (const vnfId of p.routers) await removeWorkDir(join(this.opts.dataDir, 'instances'), join(p.instanceId, vnfId));
        const removed = [...report.namespaces, ...report.links, ...(report.containers ?? [])];
        this.log.info('instance nodes removed', { instanceId: p.instanceId, routers: p.routers, removed: removed.length });
        return { removed };
      },
    };
    return h as unknown as RpcHandlers;
  }

  /** SA state and data path counters over NETCONF `<get>` (reported without keys). */
  private async routerState(instanceId: string, vnfId: string): Promise<RouterIpsecState> {
    const client = this.routers.get(instanceId, vnfId);
    const data = await client.get();
    const root = data.find((e) => e.name === 'ipsec-ikeless' && e.ns === IKELESS_NS);
    const datapath = datapathCountersFromXml(data.find((e) => e.name === 'datapath' && e.ns === QNFV_ROUTER_NS));
    if (!root) return { vnfId, datapath, sas: [] };
    const config = ipsecConfigFromXml(root);
    const states = ipsecStateFromXml(root);
    return {
      vnfId,
      datapath,
      sas: config.sad.map((e) => {
        const st = states.find((s) => s.name === e.name);
        return {
          name: e.name,
          spi: e.spi,
          packets: st?.lifetimeCurrent.packets ?? 0,
          bytes: (st?.lifetimeCurrent.bytes ?? 0n).toString(),
          replayDropped: st?.replayStats.packetDropped ?? 0,
          outOfWindow: st?.replayStats.failed ?? 0,
        };
      }),
    };
  }
}
