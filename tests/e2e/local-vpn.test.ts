/**
 * The two-domain QKD VPN end to end on the `local` VIM driver (no
 * namespaces, no TUN, no tcpdump): NFVO REST → VCAs over SSH → local VIM →
 * router and host child processes on loopback UDP wires, keys from the QKD
 * link and ML-KEM through the Hybridization Modules, SAs over NETCONF on the
 * port the driver chose. Checks:
 *  - host A pings host B through the tunnel; both routers' SAs count it;
 *  - router A's WAN wire carried only ESP-in-UDP with the two installed SPIs
 *    (its capture hook records every datagram), and node:crypto — not the
 *    router's engine — decrypts those datagrams with the SA keys read back
 *    over NETCONF to the hosts' ICMP packets;
 *  - terminate leaves nothing: no labelled process, no state, no link claim.
 * Needs `npm run build` (the router and host programs run from dist/).
 */
import { createDecipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DomainLab } from '../../bin/lab/index.js';
import { configureLogging } from '../../common/index.js';
import type { SadEntry } from '../../common/ikeless/types.js';
import type { NsInstance, NsLcmOpOcc } from '../../nfvo/index.js';
import { defaultLocalRoot, LOCAL_CAPTURE_ENV } from '../../vim/index.js';
import { describeDatagram, readWireCapture } from '../../virtual-router/wire/index.js';
import { labelledPids } from '../vim/local/local-fixture.js';

let lab: DomainLab;
let dataDir: string;
let ns: NsInstance;
const installationId = `t${randomBytes(8).toString('hex')}`;
const captureEnvBefore = process.env[LOCAL_CAPTURE_ENV];

/** RFC 4106 AES-GCM-16 decryption of one ESP packet (SPI first) with `keymat` = key ‖ 4-byte salt; the inner packet. */
function openEsp(esp: Buffer, keymat: Uint8Array): Buffer {
  const key = Buffer.from(keymat.subarray(0, keymat.length - 4));
  const salt = Buffer.from(keymat.subarray(keymat.length - 4));
  const iv = esp.subarray(8, 16);
  const d = createDecipheriv(key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm', key, Buffer.concat([salt, iv]));
  d.setAAD(esp.subarray(0, 8)); // SPI ‖ sequence number (RFC 4106 §5, no ESN)
  d.setAuthTag(esp.subarray(esp.length - 16));
  const plain = Buffer.concat([d.update(esp.subarray(16, esp.length - 16)), d.final()]);
  const padLength = plain[plain.length - 2]!;
  return plain.subarray(0, plain.length - 2 - padLength);
}

beforeAll(async () => {
  configureLogging({ console: false, level: 'info' });
  dataDir = await mkdtemp(join(tmpdir(), 'qnfv-e2e-local-'));
  // Set before the lab creates its drivers: they record the routers' WAN datagrams here.
  process.env[LOCAL_CAPTURE_ENV] = join(dataDir, 'wan-capture');
  lab = await DomainLab.start({ dataDir, installationId, vimDriver: 'local', qkdFeed: 'csprng' });
}, 60_000);

afterAll(async () => {
  if (captureEnvBefore === undefined) delete process.env[LOCAL_CAPTURE_ENV];
  else process.env[LOCAL_CAPTURE_ENV] = captureEnvBefore;
  await lab?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('two-domain QKD VPN on the local VIM driver', () => {
  it('instantiates the bundled NS with both domains on the local driver', async () => {
    expect(lab.domains.map((d) => d.vim.kind)).toEqual(['local', 'local']);
    ns = await lab.deployBundledVpn('local-e2e');
    expect(ns.nsState).toBe('INSTANTIATED');
    for (const v of ns.vnfInstance) {
      expect(v.metadata.mgmtAddress).toMatch(/^127\./);
      expect(v.metadata.netconfPort).not.toBe(830);
    }
    const t = ns.qkdVpn!.tunnels[0]!;
    expect(t.keyIds.qkdKeyIds).toHaveLength(1);
    expect(t.keyIds.kem).toBe('ML-KEM-512');
  }, 90_000);

  it('carries host A\'s pings to host B through the tunnel, counted by both routers\' SAs', async () => {
    const hostA = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-a-lan')!;
    const hostB = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-b-lan')!;
    const ping = await lab.domains[0].vim.exec(hostA.namespace, ['ping', '-c', '5', '-i', '0.2', '-W', '2', hostB.address.split('/')[0]!]);
    expect(ping.stdout).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
    const t = ns.qkdVpn!.tunnels[0]!;
    const states = await lab.nfvo.lcm.ipsecState(ns.id);
    expect(states).toHaveLength(2);
    for (const r of states) {
      expect(r.datapath.encrypted).toBe(5);
      expect(r.datapath.decrypted).toBe(5);
      expect(r.sas.map((s) => s.spi).sort()).toEqual([t.spiOut, t.spiIn].sort());
      for (const sa of r.sas) expect(sa.packets).toBe(5);
    }
  }, 30_000);

  it('put only ESP-in-UDP with the installed SPIs on the WAN, which the SA keys decrypt to the hosts\' ICMP', async () => {
    const t = ns.qkdVpn!.tunnels[0]!;
    const routerA = ns.vnfInstance.find((v) => v.vnfProfileId === 'site-a')!;
    const recs = await readWireCapture(join(dataDir, 'wan-capture', `${ns.id}-site-a-wan0.pcap`));
    expect(recs).toHaveLength(10);
    const kinds = recs.map((r) => describeDatagram(r.payload, 'esp-in-udp'));
    expect(kinds.filter((k) => k.kind !== 'esp')).toEqual([]);
    expect(new Set(kinds.map((k) => (k.kind === 'esp' ? k.spi : -1)))).toEqual(new Set([t.spiOut, t.spiIn]));
    // Every datagram is loopback UDP between the routers' WAN endpoints on the WAN link's port.
    expect(new Set(recs.flatMap((r) => [r.src.port, r.dst.port])).size).toBe(1);
    const sad: SadEntry[] = await lab.routerSad(routerA);
    const hosts = ns.qkdVpn!.hosts.map((h) => h.address.split('/')[0]!);
    for (const r of recs) {
      const sa = sad.find((s) => s.spi === r.payload.readUInt32BE(0))!;
      const inner = openEsp(r.payload, sa.espSa.encryption.key!);
      expect(inner[0]! >> 4).toBe(4);
      expect(inner[9]).toBe(1); // ICMP
      expect(hosts).toContain(inner.subarray(12, 16).join('.'));
      expect(hosts).toContain(inner.subarray(16, 20).join('.'));
    }
  }, 30_000);

  it('terminates over REST and leaves no process, state or link claim', async () => {
    const term = await lab.client.request('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    expect(term.status).toBe(202);
    const op: NsLcmOpOcc = await lab.client.waitOp(String(term.headers.get('location')), { intervalMs: 50 });
    expect(op.operationState).toBe('COMPLETED');
    ns = await lab.client.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
    expect(ns.nsState).toBe('NOT_INSTANTIATED');
    for (const d of lab.domains) expect(await d.vim.listResources()).toEqual([]);
    expect(await labelledPids(installationId)).toEqual([]);
    const stateDir = join(defaultLocalRoot(), installationId);
    expect(existsSync(stateDir) ? await readdir(stateDir, { recursive: true }) : []).toEqual([]);
    const claims = await readdir(join(defaultLocalRoot(), 'wire-ports', 'links')).catch(() => [] as string[]);
    const ours = await Promise.all(claims.map(async (f) => (await readFile(join(defaultLocalRoot(), 'wire-ports', 'links', f), 'utf8').catch(() => '')).includes(installationId)));
    expect(ours.filter(Boolean)).toEqual([]);
  }, 60_000);
});
