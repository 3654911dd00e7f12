/**
 * Rekeying under traffic, end to end (issue 10): the NS's security profile
 * gives the SAs a 5-second soft lifetime; a numbered UDP stream runs from
 * site A's host to site B's host for 30 s while the routers report
 * `sadb-expire` over NETCONF, the VCAs forward it, and the NFVO rekeys each
 * time make-before-break with a fresh QKD + ML-KEM key. Checks: no packet is
 * lost, the SPIs change at least 5 times, each rekey used a new key stream
 * and QKD key, the old SAs are gone afterwards, and Scapy decrypts what
 * crosses the WAN after the last rekey with the routers' current keys.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DomainLab, bridgePort, startCapture } from '../../bin/lab/index.js';
import { bundledPackagePaths } from '../../nsd/index.js';
import { configureLogging, toHex } from '../../common/index.js';
import type { SadEntry } from '../../common/ikeless/types.js';
import type { NsInstance, NsLcmOpOcc } from '../../nfvo/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const UDP = join(here, 'udp_stream.py');
const ESP_TOOL = join(here, 'esp_tool.py');
const SOFT_S = 5;
const STREAM_S = 30;

let lab: DomainLab;
let dataDir: string;
let ns: NsInstance;

async function rest<T>(method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: T; location: string | null }> {
  const res = await fetch(`${lab.nfvoUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${lab.client.token ?? ''}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T, location: res.headers.get('location') };
}

async function waitOp(location: string): Promise<NsLcmOpOcc> {
  for (;;) {
    const op = (await rest<NsLcmOpOcc>('GET', location)).json;
    if (op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK') return op;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  configureLogging({ console: false });
  dataDir = await mkdtemp(join(tmpdir(), 'qnfv-rekey-'));
  lab = await DomainLab.start({ dataDir, installationId: `t${randomBytes(8).toString('hex')}`, tunnelMaintenance: { drainMs: 500 } });
  const paths = bundledPackagePaths();
  expect((await rest('POST', '/vnfpkgm/v1/vnf_packages_content', await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'), 'application/yaml')).status).toBe(201);
  // The bundled NSD with short lifetimes: soft 5 s, hard 10 s.
  const nsd = (await readFile(join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'), 'utf8')).replace('time: 3000', `time: ${SOFT_S}`).replace('time: 3600', `time: ${2 * SOFT_S}`);
  expect(nsd).toContain(`time: ${SOFT_S}`);
  expect((await rest('POST', '/nsd/v1/ns_descriptors_content', nsd, 'application/yaml')).status).toBe(201);
  const created = await rest<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-ns', nsName: 'rekey' });
  const inst = await rest('POST', `/nslcm/v1/ns_instances/${created.json.id}/instantiate`, {
    vnf: [
      { 'member-vnf-index': 'site-a', vimAccountId: lab.domains[0].name },
      { 'member-vnf-index': 'site-b', vimAccountId: lab.domains[1].name },
    ],
  });
  const op = await waitOp(inst.location!);
  expect(op.error?.detail).toBeUndefined();
  ns = (await rest<NsInstance>('GET', `/nslcm/v1/ns_instances/${created.json.id}`)).json;
}, 90_000);

afterAll(async () => {
  if (ns) {
    const term = await rest('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {}).catch(() => undefined);
    if (term?.location) await waitOp(term.location);
  }
  await lab?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('rekey under traffic', () => {
  it(`loses no packet of a ${STREAM_S} s UDP stream while the tunnel is rekeyed every ${SOFT_S} s`, async () => {
    const hostA = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-a-lan')!;
    const hostB = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-b-lan')!;
    const first = ns.qkdVpn!.tunnels[0]!;
    const receiver = run('ip', ['netns', 'exec', hostB.namespace, '/usr/bin/python3', UDP, 'recv', '5001', String(STREAM_S + 15)]);
    await new Promise((r) => setTimeout(r, 500));
    const sender = await run('ip', ['netns', 'exec', hostA.namespace, '/usr/bin/python3', UDP, 'send', hostB.address.split('/')[0]!, '5001', '200', String(STREAM_S)]);
    const sent = JSON.parse(sender.stdout) as { sent: number };
    const got = JSON.parse((await receiver).stdout) as { received: number; missing_count: number; missing: number[]; first: number; last: number };
    expect(sent.sent).toBe(200 * STREAM_S);
    expect({ lost: sent.sent - got.received, missing: got.missing }).toEqual({ lost: 0, missing: [] });

    ns = (await rest<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
    const t = ns.qkdVpn!.tunnels[0]!;
    const rekeys = ns.qkdVpn!.history.filter((h) => h.event === 'tunnel-rekeyed');
    expect(t.generation - first.generation).toBeGreaterThanOrEqual(5);
    expect(rekeys.length).toBe(t.generation - first.generation);
    // Each rekey: a new key stream and a new QKD key.
    const streams = new Set(rekeys.map((h) => /key stream (\S+)/.exec(h.detail)![1]));
    expect(streams.size).toBe(rekeys.length);
    expect(streams.has(first.keyIds.keyStreamId)).toBe(false);
    expect(t.spiOut).not.toBe(first.spiOut);
  }, 120_000);

  it('leaves only the current SAs, and Scapy decrypts the WAN traffic with their keys', async () => {
    // Right after a rekey there is a window of 5 s before the next one.
    const before = (await rest<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.qkdVpn!.tunnels[0]!.generation;
    for (let i = 0; i < 100; i++) {
      const g = (await rest<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json.qkdVpn!.tunnels[0]!.generation;
      if (g > before) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 800)); // the drain before old inbound SAs go
    ns = (await rest<NsInstance>('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json;
    const t = ns.qkdVpn!.tunnels[0]!;
    const hostA = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-a-lan')!;
    const hostB = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-b-lan')!;
    const wan = await lab.domains[0].vim.ensureNetwork({ instanceId: ns.id, id: 'wan', kind: 'wan' });
    const pcap = join(dataDir, 'after-rekey.pcap');
    const capture = await startCapture(wan.namespace, await bridgePort(wan.namespace, wan.bridge), pcap);
    const ping = await run('ip', ['netns', 'exec', hostA.namespace, 'ping', '-c', '3', '-i', '0.2', '-W', '2', hostB.address.split('/')[0]!]);
    expect(ping.stdout).toMatch(/3 received/);
    await new Promise((r) => setTimeout(r, 300)); // the last reply reaches the capture
    await capture.stop();

    const sad = new Map<string, SadEntry[]>();
    for (const v of ns.vnfInstance) sad.set(v.vnfProfileId, await lab.routerSad(v));
    for (const entries of sad.values()) expect(entries.map((e) => e.spi).sort()).toEqual([t.spiOut, t.spiIn].sort());
    const sasFile = join(dataDir, 'sas.json');
    await writeFile(sasFile, JSON.stringify(sad.get('site-a')!.map((s) => ({ spi: s.spi, key: toHex(s.espSa.encryption.key!), src: s.tunnel!.local, dst: s.tunnel!.remote }))));
    const out = JSON.parse((await run('/usr/bin/python3', [ESP_TOOL, 'decrypt', pcap, sasFile])).stdout) as { spi: number; ok?: boolean }[];
    expect(out.length).toBe(6);
    expect(out.every((p) => p.ok)).toBe(true);
    expect(new Set(out.map((p) => p.spi))).toEqual(new Set([t.spiOut, t.spiIn]));
  }, 60_000);
});
