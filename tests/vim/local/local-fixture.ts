/**
 * Test helper for the `local` VIM driver: a router made through the driver
 * with the real router program (dist/virtual-router/main.js), whose day-0
 * config this helper writes as the VCA would (UDP wires from
 * RouterInfo.packetIo, NETCONF on RouterInfo.netconfPort, a fresh host key,
 * an admin key kept for NETCONF sessions), and a NETCONF session to it;
 * and the labelled processes of an installation, read from /proc
 * independently of the driver. Not a test file itself.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprint, generateKeyPair, writePrivateKey } from '../../../common/ssh/index.js';
import { NetconfClient } from '../../../common/netconf/index.js';
import { routerMainPath, type RouterConfig } from '../../../virtual-router/index.js';
import { LABEL_ENV, type PortSpec, type RouteSpec, type RouterInfo, type VimDriver } from '../../../vim/index.js';

/** A router the helper made: what the driver returned and how to log in. */
export interface TestRouter {
  info: RouterInfo;
  logFile: string;
  adminKey: string;
  hostKeyFingerprint: string;
}

/** Create a router through `driver` and write its config (the router waits for it). */
export async function createTestRouter(
  driver: VimDriver,
  dir: string,
  spec: { instanceId: string; vnfId: string; ports: PortSpec[]; routes: RouteSpec[]; tunnelAddress: string },
): Promise<TestRouter> {
  const rdir = join(dir, `${spec.instanceId}-${spec.vnfId}`);
  await mkdir(rdir, { recursive: true });
  const configFile = join(rdir, 'router.json');
  const logFile = join(rdir, 'router.log');
  const info = await driver.createRouter({
    instanceId: spec.instanceId,
    vnfId: spec.vnfId,
    ports: spec.ports,
    routes: spec.routes,
    program: { argv: [process.execPath, routerMainPath(), '--config', configFile, '--wait-for-config'], cwd: rdir, logFile, env: { QNFV_LOG_LEVEL: 'info' } },
  });
  const hostKey = generateKeyPair(`test-${spec.vnfId}`);
  const admin = generateKeyPair('test-admin');
  await writePrivateKey(join(rdir, 'host_key'), hostKey.privateKey);
  const config: RouterConfig = {
    name: spec.vnfId,
    instanceId: spec.instanceId,
    io: info.packetIo,
    tunnelAddresses: [spec.tunnelAddress],
    netconf: {
      listenAddress: info.mgmt.routerAddress,
      port: info.netconfPort ?? 830,
      hostKeyFile: join(rdir, 'host_key'),
      users: [{ name: 'admin', groups: ['admin'], authorizedKeys: [admin.publicKey] }],
    },
    keyReaderGroups: ['admin'],
  };
  await writeFile(`${configFile}.tmp`, JSON.stringify(config));
  await rename(`${configFile}.tmp`, configFile);
  return { info, logFile, adminKey: admin.privateKey, hostKeyFingerprint: fingerprint(hostKey.publicKey) };
}

/** A NETCONF session to the router as admin, retried while it boots. */
export async function routerNetconf(r: TestRouter, timeoutMs = 10_000): Promise<NetconfClient> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await NetconfClient.connect({ host: r.info.mgmt.routerAddress, port: r.info.netconfPort!, username: 'admin', privateKey: r.adminKey, hostKeyFingerprint: r.hostKeyFingerprint });
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

/** Pids of live processes labelled for `installationId` (read from /proc, as the driver does, but independently). */
export async function labelledPids(installationId: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const env = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const zombie = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    if (!zombie && env.split('\0').some((e) => e.startsWith(`${LABEL_ENV}=`) && e.includes(`qnfv.install=${installationId},`))) out.push(Number(name));
  }
  return out;
}
