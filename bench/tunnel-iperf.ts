/**
 * bench:tunnel measurements: one iperf3 client run (TCP, or UDP with
 * 1400-byte IP packets) from the sender namespace to the iperf3 server in the
 * receiver namespace, and around it the CPU time of the tunnel processes
 * (/proc/<pid>/stat utime + stime, every thread), the machine's busy time
 * (/proc/stat) and the receiver's packet counter, so each run reports
 * Mbit/s, packets/s and CPU seconds per Gbit. The load average is recorded
 * beside the figures (the machine's 2 cores are shared).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RECEIVER, inNs, run, receiverRxPackets, type Topology } from './tunnel-topology.js';

/** Linux USER_HZ: /proc times are in 1/100 s. */
const CLOCK_TICKS_PER_S = 100;
const IPERF_PORT = 5201;
/** IP packet size of the UDP test; the payload is this minus IPv4 (20) and UDP (8) headers. */
export const UDP_PACKET_BYTES = 1400;

/** iperf3 arguments shared by every variant. */
export interface IperfSettings {
  durationS: number;
  /** UDP offered rate in bit/s; 0 = as fast as the sender can. */
  udpBitrate: number;
}

/** One measured run. */
export interface Measurement {
  mbps: number;
  pps: number;
  /** UDP only: iperf3's loss at the receiver. */
  lossPercent?: number;
  /**
   * UDP only: what reached the receiver's interface (packets × 1400 bytes), which can exceed
   * what iperf3 read when its socket buffer overflows (a CPU-starved receiver on 2 shared cores).
   */
  deliveredMbps?: number;
  /** CPU seconds of the tunnel processes per Gbit received (undefined without tunnel processes). */
  cpuSPerGbit?: number;
  /** Busy CPU seconds of the whole machine per Gbit received (includes everybody else's load). */
  machineCpuSPerGbit: number;
  /** Tunnel processes' share of one core during the run, percent. */
  tunnelCpuPercent?: number;
  /** 1-minute load average when the run started. */
  load1: number;
  seconds: number;
}

/** Start the iperf3 server in the receiver namespace (kept for the whole bench). */
export function startIperfServer(t: Topology): ChildProcess {
  return spawn('ip', inNs(t.rcv, ['iperf3', '-s', '-p', String(IPERF_PORT), '-B', RECEIVER]).slice(1), { stdio: 'ignore' });
}

/** utime + stime of a process (all threads), in seconds; 0 once it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** Busy (not idle, not iowait) seconds summed over all CPUs. */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - v[3]! - v[4]!) / CLOCK_TICKS_PER_S;
}

/** The 1-minute load average. */
export function load1(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

interface IperfEnd {
  end: { sum_received: { bits_per_second: number; bytes: number; seconds: number; lost_percent?: number } };
  error?: string;
}

/** Run one iperf3 client (`udp` or TCP) and measure around it; `pids` are the tunnel's processes. */
export async function measure(t: Topology, proto: 'tcp' | 'udp', s: IperfSettings, pids: number[]): Promise<Measurement> {
  const args = ['iperf3', '-c', RECEIVER, '-p', String(IPERF_PORT), '-t', String(s.durationS), '-J'];
  if (proto === 'udp') args.push('-u', '-b', String(s.udpBitrate), '-l', String(UDP_PACKET_BYTES - 28));
  const load = load1();
  const rx0 = await receiverRxPackets(t);
  const cpu0 = pids.reduce((a, p) => a + processCpuSeconds(p), 0);
  const busy0 = machineBusySeconds();
  const r = await run(inNs(t.snd, args), (s.durationS + 30) * 1000);
  const busy1 = machineBusySeconds();
  const cpu1 = pids.reduce((a, p) => a + processCpuSeconds(p), 0);
  const rx1 = await receiverRxPackets(t);
  let parsed: IperfEnd;
  try {
    parsed = JSON.parse(r.stdout) as IperfEnd;
  } catch {
    throw new Error(`iperf3 ${proto} gave no JSON (exit ${r.code}): ${r.stderr.trim() || r.stdout.slice(0, 400)}`);
  }
  if (parsed.error !== undefined || r.code !== 0) throw new Error(`iperf3 ${proto} failed: ${parsed.error ?? r.stderr.trim()}`);
  const sum = parsed.end.sum_received;
  const gbit = (sum.bytes * 8) / 1e9;
  const m: Measurement = {
    mbps: round(sum.bits_per_second / 1e6, 1),
    pps: Math.round((rx1 - rx0) / sum.seconds),
    machineCpuSPerGbit: round((busy1 - busy0) / gbit, 3),
    load1: load,
    seconds: round(sum.seconds, 2),
  };
  if (proto === 'udp') {
    m.lossPercent = round(sum.lost_percent ?? 0, 2);
    m.deliveredMbps = round((m.pps * UDP_PACKET_BYTES * 8) / 1e6, 1);
  }
  if (pids.length > 0) {
    m.cpuSPerGbit = round((cpu1 - cpu0) / gbit, 3);
    m.tunnelCpuPercent = round((100 * (cpu1 - cpu0)) / sum.seconds, 1);
  }
  return m;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
