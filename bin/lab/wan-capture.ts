/**
 * Packet capture on the lab's WAN link with tcpdump inside the link's
 * namespace, written as a pcap file (read with bin/pcap.ts, Scapy or tshark).
 * A Linux bridge does not pass frames it forwards between two ports up to its
 * own device once it has learned the MACs, so the capture listens on one of
 * the bridge's ports, which sees both directions between the two routers.
 * Immediate mode: without it, packets wait in the kernel's TPACKET_V3 block
 * until it fills or times out, and a capture stopped right after the traffic
 * holds nothing. `start` resolves once tcpdump is capturing; `stop` flushes.
 * With the `docker` VIM the WAN is a segment of Open vSwitch bridges joined
 * by patch ports (no netdev to listen on), so the capture listens on the
 * host end of a router's WAN veth in the root namespace (`dockerWanPort`).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { ProtocolError } from '../../common/index.js';
import { portPeerName, type DockerVimDriver } from '../../vim/index.js';

const run = promisify(execFile);

/** The first port (veth end) attached to `bridge` in `namespace`. */
export async function bridgePort(namespace: string, bridge: string): Promise<string> {
  const { stdout } = await run('ip', ['-n', namespace, '-o', 'link', 'show', 'master', bridge]);
  const name = /^\d+:\s+([^:@\s]+)/m.exec(stdout)?.[1];
  if (!name) throw new ProtocolError(`bridge ${bridge} in ${namespace} has no ports`);
  return name;
}

export interface Capture {
  file: string;
  stop(): Promise<void>;
}

/**
 * The host end of a router's veth on `vim`'s domain bridge (default its WAN
 * port `wan0`), checked to be an OVS port of that bridge.
 */
export async function dockerWanPort(vim: DockerVimDriver, instanceId: string, vnfId: string, port = 'wan0'): Promise<string> {
  const name = portPeerName(vim.installationId, instanceId, vnfId, port);
  const inv = await vim.ovs.inventory();
  if (!inv.ports.some((p) => p.name === name && p.bridge === vim.bridge)) throw new ProtocolError(`port ${port} of router ${vnfId} (${name}) is not on bridge ${vim.bridge}`);
  return name;
}

/** Capture IPv4 on `iface` in `namespace` (undefined: the root namespace) into `file`. */
export async function startCapture(namespace: string | undefined, iface: string, file: string): Promise<Capture> {
  const tcpdump = ['tcpdump', '-i', iface, '--immediate-mode', '-U', '-n', '-w', file, 'ip'];
  const [cmd, ...args] = namespace === undefined ? tcpdump : ['ip', 'netns', 'exec', namespace, ...tcpdump];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProtocolError(`tcpdump did not start capturing within 10 s: ${stderr.trim()}`)), 10_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new ProtocolError(`tcpdump exited (${code}) before capturing: ${stderr.trim()}`));
    });
  });
  return {
    file,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}
