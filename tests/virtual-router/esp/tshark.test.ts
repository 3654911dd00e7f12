/**
 * Wireshark's ESP dissector (tshark 4.0, packet-ipsec.c) as an independent
 * verifier: it decrypts the engine's packets with the SA keys given in the
 * `esp_sa` UAT, checks the ICV (AES-GCM-16 per RFC 4106, HMAC-SHA-256-128 per
 * RFC 4868) and dissects the inner UDP packet. ESN is off: tshark's UAT has no
 * ESN setting (PROTOCOL-NOTES.md §6); ESN is covered by the Scapy tests.
 * Both crypto backends (native addon, node:crypto) are checked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toHex } from '../../../common/index.js';
import type { SadEntry } from '../../../common/ikeless/types.js';
import { EspEngine, Verdict, type CryptoChoice } from '../../../virtual-router/esp/index.js';
import { GW_A, HOST_A, run, sadEntry, spdEntry, udpPacket } from './helpers/fixtures.js';
import { writePcap } from './helpers/pcap.js';

const exec = promisify(execFile);

function uat(entry: SadEntry, keyOverride?: Uint8Array): string {
  const gcm = entry.espSa.encryption.algorithm === 20;
  const enc = gcm ? 'AES-GCM with 16 octet ICV [RFC4106]' : 'AES-CBC [RFC3602]';
  const encKey = `0x${toHex(keyOverride ?? entry.espSa.encryption.key!)}`;
  const auth = gcm ? 'NULL' : 'HMAC-SHA-256-128 [RFC4868]';
  const authKey = gcm ? '' : `0x${toHex(entry.espSa.integrity.key!)}`;
  const spi = `0x${entry.spi.toString(16).padStart(8, '0')}`;
  return `uat:esp_sa:"IPv4","${entry.tunnel!.local}","${entry.tunnel!.remote}","${spi}","${enc}","${encKey}","${auth}","${authKey}"`;
}

describe('tshark decrypts and authenticates the engine’s ESP packets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qnfv-esp-tshark-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['native', 'node'] as CryptoChoice[])('%s: AES-GCM-16 (128/256) and AES-CBC-256 + HMAC-SHA-256-128: ICV good, inner UDP port visible; wrong key: ICV bad', async (crypto) => {
    const sas = [
      sadEntry({ name: 'gcm256', spi: 0x1001, suite: 'gcm256', seed: 3, reqid: 1n, remotePrefix: '10.2.1.0/24' }),
      sadEntry({ name: 'gcm128', spi: 0x1002, suite: 'gcm128', seed: 4, reqid: 2n, remotePrefix: '10.2.2.0/24' }),
      sadEntry({ name: 'cbc256', spi: 0x1003, suite: 'cbc256', seed: 5, reqid: 3n, remotePrefix: '10.2.3.0/24' }),
      sadEntry({ name: 'wrongkey', spi: 0x1004, suite: 'gcm256', seed: 6, reqid: 4n, remotePrefix: '10.2.4.0/24' }),
    ];
    const a = new EspEngine({ localAddresses: [GW_A], crypto });
    sas.forEach((sa, i) => {
      a.addSa(sa);
      a.addPolicy(spdEntry({ name: `p${i}`, action: 'protect', reqid: sa.reqid, remotePrefix: sa.trafficSelector.remotePrefix }));
    });
    const inners = [1, 2, 3, 4].flatMap((net) => [0, 1].map((k) => udpPacket(HOST_A, `10.2.${net}.7`, 40000 + k, 7000 + net * 10 + k, `hello ${net}/${k}`)));
    const out = run(a, inners);
    expect(out.every((r) => r.verdict === Verdict.Encrypted)).toBe(true);
    const pcap = join(dir, `esp-${crypto}.pcap`);
    writePcap(pcap, out.map((r) => r.out!));

    const args = ['-r', pcap, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE'];
    for (const sa of sas.slice(0, 3)) args.push('-o', uat(sa));
    args.push('-o', uat(sas[3], new Uint8Array(36).fill(0x77)));
    args.push('-T', 'fields', '-E', 'separator=|', '-e', 'esp.spi', '-e', 'esp.sequence', '-e', 'esp.icv_good', '-e', 'esp.icv_bad', '-e', 'udp.dstport');
    const { stdout } = await exec('tshark', args, { timeout: 30_000 });
    const rows = stdout.trim().split('\n').map((l) => l.split('|'));
    expect(rows).toEqual([
      ['0x00001001', '1', '1', '0', '7010'],
      ['0x00001001', '2', '1', '0', '7011'],
      ['0x00001002', '1', '1', '0', '7020'],
      ['0x00001002', '2', '1', '0', '7021'],
      ['0x00001003', '1', '1', '0', '7030'],
      ['0x00001003', '2', '1', '0', '7031'],
      ['0x00001004', '1', '0', '1', ''],
      ['0x00001004', '2', '0', '1', ''],
    ]);
  });
});
