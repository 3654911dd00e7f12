/**
 * The virtual router process (one per router namespace or container):
 *   1. read the day-0 config written by the VCA,
 *   2. start the data path worker on the TUN (ESP engine) — or, when the
 *      config has `io` (the `local` VIM), on the router's UDP wires,
 *   3. route the router's tunnel addresses into the TUN (on UDP wires the
 *      worker's own route table does that, and follows the SPD the same way),
 *   4. serve NETCONF over SSH (the CCIPS agent) on the management address,
 *   5. forward data path notifications (sadb-expire, …) to subscribers,
 *   6. on SIGTERM/SIGINT: stop serving, stop the data path, exit.
 * Usage: node dist/virtual-router/main.js --config <file> [--wait-for-config]
 * (`--wait-for-config`: the VIM starts the process before the VCA knows the
 * management address; the config file appears moments later.)
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { SshServer } from '../common/ssh/index.js';
import { NetconfServer } from '../common/netconf/index.js';
import { notificationToXml } from '../common/ikeless/index.js';
import { createLogger, errorMessage } from '../common/index.js';
import { loadRouterConfig } from './config.js';
import { Datapath } from './datapath/datapath.js';
import { networkPrefix, RouteTable } from './route-table.js';
import { CcipsAgent } from './ccips-agent.js';
import { IKELESS_CAPABILITY } from './constants.js';
import { QNFV_ROUTER_CAPABILITY } from './counters-xml.js';

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--config');
  if (i < 0 || !argv[i + 1]) {
    process.stderr.write('usage: main.js --config <router-config.json>\n');
    process.exit(2);
  }
  const file = argv[i + 1]!;
  if (argv.includes('--wait-for-config')) await waitForFile(file, 30_000);
  const config = await loadRouterConfig(file);
  const log = createLogger(`router.${config.name}`);
  let stopping = false;

  const holder: { netconf?: NetconfServer; agent?: CcipsAgent } = {};
  const io = config.io ?? config.tun!.name;
  const datapath = await Datapath.start(io, config.tunnelAddresses, (n) => {
    log.info('notification', { type: n.type, ...('ipsecSaName' in n ? { sa: n.ipsecSaName } : {}) });
    if (n.type === 'sadb-expire' && !n.softLifetimeExpire) void holder.agent?.forgetExpired(n.ipsecSaName);
    holder.netconf?.notify(notificationToXml(n));
  });
  // A data path that ends on its own (TUN deleted, worker crashed) leaves a router that cannot
  // forward: exit, so that whoever watches the process (the VIM, heal) sees it.
  void datapath.done.then((code) => {
    if (stopping) return;
    log.error('data path ended, exiting', { code });
    process.exit(1);
  });
  // Routes into the tunnel follow the SPD: the kernel's on a TUN, the worker's own on UDP wires.
  let syncRoutes: (prefixes: string[]) => Promise<void>;
  if (config.tun && !config.io) {
    const routes = new RouteTable(config.tun.name);
    await routes.init(config.tun.mtu, config.tunnelAddresses);
    syncRoutes = (p) => routes.sync(p);
  } else syncRoutes = (p) => datapath.setTunnelRoutes(p.map(networkPrefix));

  const agent = new CcipsAgent(
    {
      localAddresses: config.tunnelAddresses,
      apply: (e) => datapath.apply(e),
      state: () => datapath.state(),
      syncRoutes,
    },
    config.keyReaderGroups,
  );
  holder.agent = agent;
  const netconf = new NetconfServer({ datastore: agent, capabilities: [IKELESS_CAPABILITY, QNFV_ROUTER_CAPABILITY] });
  holder.netconf = netconf;
  const ssh = new SshServer({
    hostKeys: [await readFile(config.netconf.hostKeyFile, 'utf8')],
    authenticate: config.netconf.users.map((u) => ({ user: u.name, groups: u.groups, authorizedKeys: u.authorizedKeys })),
    subsystems: { netconf: netconf.handler },
  });
  const bound = await ssh.listen(config.netconf.port, config.netconf.listenAddress);
  log.info('router ready', { netconf: `${bound.address}:${bound.port}`, io: config.io ? 'udp-wire' : `tun ${config.tun!.name}`, tunnelAddresses: config.tunnelAddresses });

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    await ssh.close().catch(() => undefined);
    await datapath.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`config file ${file} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`router failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
