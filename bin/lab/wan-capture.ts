/**
 * Packet capture on the lab's WAN link with tcpdump inside the link's
 * namespace, written as a pcap file (read with bin/pcap.ts, Scapy or tshark).
 * A Linux bridge does not pass frames it forwards between two ports up to its
 * own device once it has learned the MACs, so the capture listens on one of
 * the bridge's ports, which sees both directions between the two routers.
 * Immediate mode: without it, packets wait in the kernel's TPACKET_V3 block
 * until it fills or times out, and a capture stopped right after the traffic
 * holds nothing. `start` resolves once tcpdump is capturing; `stop` flushes.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { ProtocolError } from '../../common/index.js';

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

/** Capture IPv4 on `iface` in `namespace` into `file`. */
export async function startCapture(namespace: string, iface: string, file: string): Promise<Capture> {
  const child = spawn('ip', ['netns', 'exec', namespace, 'tcpdump', '-i', iface, '--immediate-mode', '-U', '-n', '-w', file, 'ip'], { stdio: ['ignore', 'ignore', 'pipe'] });
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
