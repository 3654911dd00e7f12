/**
 * Applies one domain intent with the domain's VIM (ARCHITECTURE §3 step 3):
 * networks first, then for each router its day-0 configuration (a fresh SSH
 * host key, whose fingerprint the VCA pins, and the VCA's own client key as
 * the NETCONF admin) and the router itself, started by the VIM in its
 * namespace or container; then the site hosts, while the routers boot.
 * Waits until every router answers NETCONF (all routers at once).
 * A driver may choose the router's NETCONF port (RouterInfo.netconfPort: the
 * `local` driver, whose routers run without root) and give it UDP wires
 * instead of a TUN (RouterInfo.packetIo, copied into the day-0 config as
 * `io`); otherwise the router gets a TUN and NETCONF listens on 830.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, fingerprint, writePrivateKey } from '../common/ssh/index.js';
import { createLogger, errorMessage, settleAll } from '../common/index.js';
import { notificationFromXml } from '../common/ikeless/index.js';
import type { IkelessNotification } from '../common/ikeless/types.js';
import type { VimDriver } from '../vim/index.js';
import { DEFAULT_TUN_MTU, DEFAULT_TUN_NAME, NETCONF_PORT, routerMainPath, type RouterConfig } from '../virtual-router/index.js';
import type { DeployResult, DomainIntent } from './protocol.js';
import type { RouterSessions } from './router-sessions.js';

const log = createLogger('vca.deploy');

export interface DeployerOptions {
  vim: VimDriver;
  routers: RouterSessions;
  /** Where day-0 files and router logs go (`<dir>/<instance>/<vnf>/`). */
  workDir: string;
  /** The VCA's NETCONF client public key (OpenSSH line). */
  clientPublicKey: string;
  /** Node binary that runs the router program. */
  nodePath?: string;
  /** Receives each router's RFC 9061 notifications (sadb-expire, …) once it is up. */
  onRouterEvent?: (vnfId: string, eventTime: string, notification: IkelessNotification) => void;
}

/** Deploy an intent; returns what the NFVO records about each router and host. */
export async function deployIntent(opts: DeployerOptions, intent: DomainIntent): Promise<DeployResult> {
  const { vim } = opts;
  for (const n of intent.networks) await vim.ensureNetwork({ instanceId: intent.instanceId, id: n.id, kind: n.kind });

  const result: DeployResult = { routers: [], hosts: [] };
  const main = routerMainPath();
  const started: { vnfId: string; namespace: string; mgmtAddress: string; netconfPort: number; fingerprint: string; pid?: number }[] = [];
  for (const r of intent.routers) {
    const dir = join(opts.workDir, intent.instanceId, r.vnfId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const hostKey = generateKeyPair(`qnfv-router-${r.vnfId}`);
    const hostKeyFile = join(dir, 'ssh_host_ed25519_key');
    await writePrivateKey(hostKeyFile, hostKey.privateKey);
    // The VIM assigns the management address; the router learns it from its config, written after createRouter.
    const configFile = join(dir, 'router.json');
    const info = await vim.createRouter({
      instanceId: intent.instanceId,
      vnfId: r.vnfId,
      ports: r.ports,
      routes: r.routes,
      program: {
        argv: [opts.nodePath ?? process.execPath, main, '--config', configFile, '--wait-for-config'],
        cwd: dir,
        logFile: join(dir, 'router.log'),
        // The netns driver adds its own environment; a container gets only PATH and this.
        env: { QNFV_LOG_LEVEL: process.env.QNFV_LOG_LEVEL ?? 'info', ...(process.env.QNFV_LOG !== undefined ? { QNFV_LOG: process.env.QNFV_LOG } : {}) },
      },
    });
    const netconfPort = info.netconfPort ?? NETCONF_PORT;
    const config: RouterConfig = {
      name: r.vnfId,
      instanceId: intent.instanceId,
      ...(info.packetIo ? { io: info.packetIo } : { tun: { name: DEFAULT_TUN_NAME, mtu: DEFAULT_TUN_MTU } }),
      tunnelAddresses: [r.tunnelAddress],
      netconf: {
        listenAddress: info.mgmt.routerAddress,
        port: netconfPort,
        hostKeyFile,
        users: [{ name: 'admin', groups: ['admin'], authorizedKeys: [opts.clientPublicKey] }],
      },
      keyReaderGroups: ['admin'],
    };
    // Written atomically: the router (started with --wait-for-config) polls for the file.
    await writeFile(`${configFile}.tmp`, JSON.stringify(config, null, 2), { mode: 0o600 });
    await rename(`${configFile}.tmp`, configFile);
    started.push({ vnfId: r.vnfId, namespace: info.namespace, mgmtAddress: info.mgmt.routerAddress, netconfPort, fingerprint: fingerprint(hostKey.publicKey), ...(info.pid !== undefined ? { pid: info.pid } : {}) });
  }
  // The routers boot (Node start-up, NETCONF server) while the hosts are made.
  for (const h of intent.hosts) {
    const info = await vim.createHost({ instanceId: intent.instanceId, id: h.id, port: { network: h.network, address: h.address }, gateway: h.gateway });
    result.hosts.push({ id: h.id, namespace: info.namespace, address: info.address });
  }
  // Every router's NETCONF session at once; all settle before a failure is reported, so none opens after a teardown.
  await settleAll(started.map((r) => connectRouter(opts, intent.instanceId, r.vnfId, r.mgmtAddress, r.netconfPort, r.fingerprint)));
  for (const r of started) {
    log.info('router up', { instanceId: intent.instanceId, vnfId: r.vnfId, namespace: r.namespace, mgmt: r.mgmtAddress });
    result.routers.push({ vnfId: r.vnfId, namespace: r.namespace, mgmtAddress: r.mgmtAddress, netconfPort: r.netconfPort, hostKeyFingerprint: r.fingerprint, pid: r.pid });
  }
  return result;
}

/** Open the VCA's NETCONF session to a router (retried while it boots) and subscribe to its notifications. */
async function connectRouter(opts: DeployerOptions, instanceId: string, vnfId: string, host: string, port: number, hostKeyFingerprint: string): Promise<void> {
  const session = await opts.routers.open(instanceId, vnfId, { host, port, hostKeyFingerprint });
  if (opts.onRouterEvent) {
    const onEvent = opts.onRouterEvent;
    // RFC 5277 on the same session (:interleave): SA lifetimes, acquires, bad SPIs.
    await session.createSubscription((n) => {
      for (const el of n.content) {
        try {
          onEvent(vnfId, n.eventTime, notificationFromXml(el));
        } catch (err) {
          log.warn('unreadable notification from router', { vnfId, error: errorMessage(err) });
        }
      }
    });
  }
}

/** Remove the instance's day-0 files (keys included). */
export async function removeWorkDir(workDir: string, instanceId: string): Promise<void> {
  await rm(join(workDir, instanceId), { recursive: true, force: true });
}
