/**
 * Drives helpers/scapy_esp_peer.py (Scapy as an independent ESP peer) over
 * JSON lines: one Python process per test file, requests answered in order.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, toHex } from '../../../../common/index.js';
import type { SadEntry } from '../../../../common/ikeless/types.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./scapy_esp_peer.py', import.meta.url));

/** The SA as the Python side takes it. */
export interface ScapySa {
  spi: number;
  crypt_algo: 'AES-GCM' | 'AES-CBC';
  crypt_key: string;
  auth_algo: 'NULL' | 'SHA2-256-128';
  auth_key?: string;
  src: string;
  dst: string;
  esn: boolean;
  /** ESP-in-UDP ports (RFC 3948), when the SA has `encapsulationType.espencap` `espinudp`. */
  nat_t?: { sport: number; dport: number };
}

export interface ScapyDecrypted {
  ok: boolean;
  error?: string;
  inner?: string;
  spi?: number;
  seq?: number;
  ttl?: number;
  proto?: number;
  next_header?: number;
  trailer?: string;
  /** The UDP header of an ESP-in-UDP packet. */
  udp?: { sport: number; dport: number; len: number; chksum: number; expected_chksum?: number } | null;
}

/** Scapy's view of an RFC 9061 SAD entry (same keys, SPI, gateways, ESN). */
export function scapySa(entry: SadEntry): ScapySa {
  const gcm = entry.espSa.encryption.algorithm === 20;
  return {
    spi: entry.spi,
    crypt_algo: gcm ? 'AES-GCM' : 'AES-CBC',
    crypt_key: toHex(entry.espSa.encryption.key!),
    auth_algo: gcm ? 'NULL' : 'SHA2-256-128',
    auth_key: gcm ? undefined : toHex(entry.espSa.integrity.key!),
    src: entry.tunnel!.local,
    dst: entry.tunnel!.remote,
    esn: entry.extSeqNum,
    ...(entry.encapsulationType?.espencap === 'espinudp'
      ? { nat_t: { sport: entry.encapsulationType.sport ?? 4500, dport: entry.encapsulationType.dport ?? 4500 } }
      : {}),
  };
}

/** A running Scapy peer. */
export class ScapyPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  private constructor() {
    this.proc = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.proc.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  /** Start the peer and wait until Scapy is imported; fails with the fix when Scapy is missing. */
  static async start(): Promise<ScapyPeer> {
    if (!existsSync(PYTHON)) throw new PrerequisiteError(`${PYTHON} is missing: apt-get install -y python3 python3-scapy`);
    const peer = new ScapyPeer();
    const exited = new Promise<never>((_, reject) =>
      peer.proc.once('exit', (code) =>
        reject(new PrerequisiteError(`scapy peer exited (${code}): ${peer.stderr.trim()} — apt-get install -y python3-scapy`)),
      ),
    );
    await Promise.race([peer.request({ op: 'ping' }), exited]);
    return peer;
  }

  private request<T>(req: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const reply = JSON.parse(line) as T & { error?: string };
        if (reply.error) reject(new Error(`scapy peer: ${reply.error}`));
        else resolve(reply);
      });
      this.proc.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  /** Scapy encrypts inner packets with the given sequence numbers (and ESN high halves). */
  async encrypt(sa: ScapySa, items: { inner: Uint8Array; seq: number; esnHi?: number }[]): Promise<Buffer[]> {
    const r = await this.request<{ packets: string[] }>({
      op: 'encrypt',
      sa,
      items: items.map((i) => ({ inner: toHex(i.inner), seq: i.seq, esn_hi: i.esnHi ?? 0 })),
    });
    return r.packets.map((h) => Buffer.from(h, 'hex'));
  }

  /** Scapy decrypts and authenticates ESP packets. */
  async decrypt(sa: ScapySa, items: { packet: Uint8Array; esnHi?: number }[]): Promise<ScapyDecrypted[]> {
    const r = await this.request<{ results: ScapyDecrypted[] }>({
      op: 'decrypt',
      sa,
      items: items.map((i) => ({ packet: toHex(i.packet), esn_hi: i.esnHi ?? 0 })),
    });
    return r.results;
  }

  /** Stop the Python process. */
  async close(): Promise<void> {
    const done = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.stdin.end();
    await done;
  }
}
