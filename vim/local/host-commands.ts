/**
 * What `exec` can run in a `local` site host: built-in commands, executed by
 * the host process itself (there is no shell and no network namespace):
 *   ping [-c count] [-i interval] [-W timeout] [-s size] [-q] <a.b.c.d>
 *       ICMP echo through the host's wire, printed as iputils-ping prints it
 *       (`64 bytes from …`, `--- … ping statistics ---`,
 *       `N packets transmitted, M received, L% packet loss, time Tms`, `rtt …`);
 *       exit 0 when a reply came, 1 when none did, 2 on a usage error;
 *   send-udp [-c count] [-s size] [-p source-port] <a.b.c.d> <port>
 *       UDP datagrams of `size` bytes; prints how many were sent;
 *   stats
 *       the host's counters as JSON (echo answered/received, UDP received by port, drops, wire counters).
 * Anything else exits 127, as a shell reports a command it cannot find.
 */
import { randomInt } from 'node:crypto';
import { formatIpv4, parseIpv4 } from '../../virtual-router/esp/ipv4-packet.js';
import { EXIT_NOT_FOUND } from '../constants.js';
import type { CommandResult } from '../command-runner.js';
import type { EchoReply, SiteHost } from './site-host.js';

/** The built-in command names. */
export const HOST_COMMANDS = ['ping', 'send-udp', 'stats'] as const;

const usage = (cmd: string, text: string): CommandResult => ({ code: 2, stdout: '', stderr: `${cmd}: ${text}\n` });

/** Parse `-x value` options (and bare flags) before the operands. */
function parseArgs(argv: readonly string[], valued: string, flags = ''): { opts: Map<string, string>; operands: string[] } | string {
  const opts = new Map<string, string>();
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.length === 2 && a[0] === '-' && valued.includes(a[1]!)) {
      if (i + 1 >= argv.length) return `option requires an argument -- '${a[1]}'`;
      opts.set(a[1]!, argv[++i]!);
    } else if (a.length === 2 && a[0] === '-' && flags.includes(a[1]!)) opts.set(a[1]!, '');
    else if (a.startsWith('-') && a.length > 1) return `invalid option -- '${a.slice(1)}'`;
    else operands.push(a);
  }
  return { opts, operands };
}

function number(v: string | undefined, dflt: number, min: number, max: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

function address(text: string | undefined): number | undefined {
  try {
    return text === undefined ? undefined : parseIpv4(text, 'destination');
  } catch {
    return undefined;
  }
}

/** Run one built-in command in `host`. */
export async function runHostCommand(host: SiteHost, argv: readonly string[]): Promise<CommandResult> {
  const [cmd, ...args] = argv;
  if (cmd === 'ping') return ping(host, args);
  if (cmd === 'send-udp') return sendUdp(host, args);
  if (cmd === 'stats') return { code: 0, stdout: JSON.stringify({ address: formatIpv4(host.address), ...host.counters, wire: host.wireStats() }) + '\n', stderr: '' };
  return { code: EXIT_NOT_FOUND, stdout: '', stderr: `${String(cmd)}: not a command of the local VIM's site host (built-ins: ${HOST_COMMANDS.join(', ')})\n` };
}

async function ping(host: SiteHost, args: string[]): Promise<CommandResult> {
  const parsed = parseArgs(args, 'ciWs', 'q');
  if (typeof parsed === 'string') return usage('ping', parsed);
  const { opts, operands } = parsed;
  const count = number(opts.get('c'), 4, 1, 1000);
  const interval = number(opts.get('i'), 1, 0.01, 60);
  const wait = number(opts.get('W'), 10, 0.01, 60);
  const size = number(opts.get('s'), 56, 0, 1400);
  const dst = address(operands[0]);
  if (count === undefined || !Number.isInteger(count)) return usage('ping', `invalid count '${opts.get('c')}' (1-1000)`);
  if (interval === undefined) return usage('ping', `invalid interval '${opts.get('i')}' (0.01-60 s)`);
  if (wait === undefined) return usage('ping', `invalid timeout '${opts.get('W')}' (0.01-60 s)`);
  if (size === undefined || !Number.isInteger(size)) return usage('ping', `invalid packet size '${opts.get('s')}' (0-1400)`);
  if (operands.length !== 1 || dst === undefined) return usage('ping', 'usage: ping [-c count] [-i interval] [-W timeout] [-s size] [-q] <a.b.c.d>');
  const quiet = opts.has('q');
  const target = formatIpv4(dst);
  const id = randomInt(0x10000);
  const lines = [`PING ${target} (${target}) ${size}(${size + 28}) bytes of data.`];
  const rtts: number[] = [];
  const started = Date.now();
  const pending: Promise<void>[] = [];
  for (let seq = 1; seq <= count; seq++) {
    if (seq > 1) await new Promise((r) => setTimeout(r, interval * 1000));
    const sentAt = performance.now();
    pending.push(
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          host.forget(id, seq);
          resolve();
        }, wait * 1000);
        const sent = host.sendEcho(dst, id, seq, size, (r: EchoReply) => {
          clearTimeout(timer);
          const rtt = performance.now() - sentAt;
          rtts.push(rtt);
          if (!quiet) lines.push(`${r.bytes} bytes from ${target}: icmp_seq=${r.seq} ttl=${r.ttl} time=${rtt.toFixed(3)} ms`);
          resolve();
        });
        if (!sent) {
          clearTimeout(timer);
          host.forget(id, seq);
          resolve();
        }
      }),
    );
  }
  await Promise.all(pending);
  const received = rtts.length;
  const loss = Math.round(((count - received) / count) * 100);
  lines.push('', `--- ${target} ping statistics ---`, `${count} packets transmitted, ${received} received, ${loss}% packet loss, time ${Date.now() - started}ms`);
  if (received > 0) {
    const avg = rtts.reduce((a, b) => a + b, 0) / received;
    const mdev = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / received);
    lines.push(`rtt min/avg/max/mdev = ${Math.min(...rtts).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...rtts).toFixed(3)}/${mdev.toFixed(3)} ms`);
  }
  return { code: received > 0 ? 0 : 1, stdout: lines.join('\n') + '\n', stderr: '' };
}

async function sendUdp(host: SiteHost, args: string[]): Promise<CommandResult> {
  const parsed = parseArgs(args, 'csp');
  if (typeof parsed === 'string') return usage('send-udp', parsed);
  const { opts, operands } = parsed;
  const count = number(opts.get('c'), 1, 1, 100_000);
  const size = number(opts.get('s'), 64, 0, 1400);
  const srcPort = number(opts.get('p'), 40000, 1, 65535);
  const dst = address(operands[0]);
  const dstPort = number(operands[1], 0, 1, 65535);
  if (count === undefined || size === undefined || srcPort === undefined || operands.length !== 2 || dst === undefined || dstPort === undefined || operands[1] === undefined) {
    return usage('send-udp', 'usage: send-udp [-c count] [-s size] [-p source-port] <a.b.c.d> <port>');
  }
  const payload = Buffer.alloc(size, 0x71);
  let sent = 0;
  for (let i = 0; i < count; i++) {
    if (host.sendUdp(dst, srcPort, dstPort, payload)) sent++;
    if (i % 64 === 63) await new Promise((r) => setImmediate(r)); // let the socket drain
  }
  return { code: sent === count ? 0 : 1, stdout: `${sent} UDP datagrams of ${size} bytes sent to ${formatIpv4(dst)}:${dstPort}\n`, stderr: '' };
}
