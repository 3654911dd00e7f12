/**
 * The walking skeleton end to end, everything real: NFVO REST → VCAs over
 * SSH → netns VIM → router processes with TUN + userspace ESP, keys from a
 * QKD link (ETSI 014) and ML-KEM-512 through two Hybridization Modules (ETSI
 * 004), SAs pushed over NETCONF. Checks, against independent tools:
 *  - ping between the sites' hosts crosses the WAN as ESP only;
 *  - Scapy decrypts the captured ESP with the SA keys read back from the
 *    routers over NETCONF (admin user), to the hosts' ICMP packets;
 *  - a replayed and a tampered packet are dropped and counted by the router;
 *  - no key byte appears in anything the NFVO logged, sent, received or stored;
 *  - terminate leaves nothing with the instance's label.
 * Needs root, iproute2, tcpdump, ping and python3-scapy (scripts/setup.sh --test).
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DomainLab, bridgePort, startCapture } from '../../bin/lab/index.js';
import { bundledPackagePaths } from '../../nsd/index.js';
import { addLogSink, configureLogging, toHex, toYangHexString } from '../../common/index.js';
import { ipsecConfigFromXml } from '../../common/ikeless/index.js';
import { IKELESS_NS, type SadEntry } from '../../common/ikeless/types.js';
import type { DomainConnector, NsInstance, NsLcmOpOcc, VnfInstance } from '../../nfvo/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const ESP_TOOL = join(here, 'esp_tool.py');

/** Everything the NFVO logs, sends to and receives from the VCAs, and answers over REST. */
const nfvoSeen: string[] = [];

let lab: DomainLab;
let dataDir: string;
let api: string;
let ns: NsInstance;
const sas = new Map<string, SadEntry[]>();

async function rest(method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: unknown; location: string | null }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${lab.client.token ?? ''}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  nfvoSeen.push(text);
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined, location: res.headers.get('location') };
}

async function waitOp(location: string): Promise<NsLcmOpOcc> {
  for (;;) {
    const op = (await rest('GET', location)).json as NsLcmOpOcc;
    if (op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK') return op;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Read a router's SAD (with keys, as the admin user) and its counters over NETCONF. */
async function readRouter(v: VnfInstance): Promise<{ sad: SadEntry[]; drops: Record<string, number> }> {
  const client = await lab.routerNetconf(v);
  try {
    const data = await client.get();
    const cfg = ipsecConfigFromXml(data.find((e) => e.name === 'ipsec-ikeless' && e.ns === IKELESS_NS)!);
    const dp = data.find((e) => e.name === 'datapath');
    const drops: Record<string, number> = {};
    for (const d of dp?.children.filter((c) => c.name === 'drop') ?? []) {
      drops[d.children.find((c) => c.name === 'reason')!.text] = Number(d.children.find((c) => c.name === 'packets')!.text);
    }
    return { sad: cfg.sad, drops };
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  configureLogging({ console: false, level: 'debug' });
  addLogSink((r) => {
    if (r.component.startsWith('nfvo')) nfvoSeen.push(JSON.stringify(r));
  });
  dataDir = await mkdtemp(join(tmpdir(), 'qnfv-e2e-'));
  const recording = (inner: DomainConnector): DomainConnector => ({
    connect: async (account) => {
      const c = await inner.connect(account);
      return {
        domain: c.domain,
        close: () => c.close(),
        call: async (method, params, timeoutMs) => {
          nfvoSeen.push(JSON.stringify({ method, params }));
          const result = await c.call(method, params, timeoutMs);
          nfvoSeen.push(JSON.stringify(result));
          return result;
        },
      };
    },
  });
  lab = await DomainLab.start({ dataDir, installationId: `t${randomBytes(8).toString('hex')}`, wrapConnector: recording });
  api = lab.nfvoUrl;
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('two-domain QKD VPN, end to end', () => {
  it('onboards the bundled packages and instantiates the NS across both domains', async () => {
    const paths = bundledPackagePaths();
    expect((await rest('POST', '/vnfpkgm/v1/vnf_packages_content', await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml')), 'application/yaml')).status).toBe(201);
    expect((await rest('POST', '/nsd/v1/ns_descriptors_content', await readFile(join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml')), 'application/yaml')).status).toBe(201);
    const created = await rest('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-ns', nsName: 'e2e' });
    expect(created.status).toBe(201);
    const id = (created.json as NsInstance).id;
    const inst = await rest('POST', `/nslcm/v1/ns_instances/${id}/instantiate`, {
      vnf: [
        { 'member-vnf-index': 'site-a', vimAccountId: lab.domains[0].name },
        { 'member-vnf-index': 'site-b', vimAccountId: lab.domains[1].name },
      ],
    });
    expect(inst.status).toBe(202);
    const op = await waitOp(inst.location!);
    expect(op.error?.detail).toBeUndefined();
    expect(op.operationState).toBe('COMPLETED');
    ns = (await rest('GET', `/nslcm/v1/ns_instances/${id}`)).json as NsInstance;
    expect(ns.nsState).toBe('INSTANTIATED');
    expect(ns.vnfInstance.map((v) => [v.vnfProfileId, v.vimId])).toEqual([
      ['site-a', lab.domains[0].account!.id],
      ['site-b', lab.domains[1].account!.id],
    ]);
    const t = ns.qkdVpn!.tunnels[0]!;
    expect(t.keyIds.qkdKeyIds).toHaveLength(1);
    expect(t.keyIds.kem).toBe('ML-KEM-512');
    expect(t.keyIds.combiner).toBe('kdf');
  }, 90_000);

  it('installed the same SA keys at both ends, read back over NETCONF', async () => {
    for (const v of ns.vnfInstance) sas.set(v.vnfProfileId, (await readRouter(v)).sad);
    const a = sas.get('site-a')!;
    const b = sas.get('site-b')!;
    expect(a).toHaveLength(2);
    for (const sa of a) {
      const twin = b.find((x) => x.spi === sa.spi)!;
      expect(twin.name).toBe(sa.name);
      expect(sa.espSa.encryption.key).toHaveLength(36);
      expect(toHex(twin.espSa.encryption.key!)).toBe(toHex(sa.espSa.encryption.key!));
    }
    // The two directions use different keys (HKDF labels per direction).
    expect(toHex(a[0]!.espSa.encryption.key!)).not.toBe(toHex(a[1]!.espSa.encryption.key!));
  }, 30_000);

  it('carries site traffic as ESP that Scapy decrypts with the routers\' keys', async () => {
    const hostA = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-a-lan')!;
    const hostB = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-b-lan')!;
    const wan = await lab.domains[0].vim.ensureNetwork({ instanceId: ns.id, id: 'wan', kind: 'wan' });
    const pcap = join(dataDir, 'wan.pcap');
    const capture = await startCapture(wan.namespace, await bridgePort(wan.namespace, wan.bridge), pcap);
    const dst = hostB.address.split('/')[0]!;
    const ping = await run('ip', ['netns', 'exec', hostA.namespace, 'ping', '-c', '4', '-i', '0.2', '-W', '2', dst]);
    await new Promise((r) => setTimeout(r, 300));
    await capture.stop();
    expect(ping.stdout).toMatch(/4 received/);

    const sasFile = join(dataDir, 'sas.json');
    await writeFile(
      sasFile,
      JSON.stringify(sas.get('site-a')!.map((s) => ({ spi: s.spi, key: toHex(s.espSa.encryption.key!), src: s.tunnel!.local, dst: s.tunnel!.remote }))),
    );
    const out = JSON.parse((await run('/usr/bin/python3', [ESP_TOOL, 'decrypt', pcap, sasFile])).stdout) as {
      spi: number;
      ok?: boolean;
      inner_src?: string;
      inner_dst?: string;
      inner_proto?: number;
      error?: string;
    }[];
    expect(out.length).toBe(8);
    expect(out.filter((p) => !p.ok)).toEqual([]);
    const srcA = hostA.address.split('/')[0]!;
    expect(out.filter((p) => p.inner_src === srcA && p.inner_dst === dst && p.inner_proto === 1)).toHaveLength(4);
    expect(out.filter((p) => p.inner_src === dst && p.inner_dst === srcA && p.inner_proto === 1)).toHaveLength(4);

    // Everything else on the WAN: nothing from the site subnets in clear.
    const { stdout } = await run('tcpdump', ['-n', '-r', pcap, 'not', 'esp']);
    expect(stdout.split('\n').filter((l) => l.includes('10.1.0.') || l.includes('10.2.0.'))).toEqual([]);
  }, 60_000);

  it('drops and counts a replayed and a tampered ESP packet', async () => {
    const routerA = ns.vnfInstance.find((v) => v.vnfProfileId === 'site-a')!;
    const routerB = ns.vnfInstance.find((v) => v.vnfProfileId === 'site-b')!;
    const before = (await readRouter(routerB)).drops;
    const t = ns.qkdVpn!.tunnels[0]!;
    await run('ip', ['netns', 'exec', routerA.metadata.namespace, '/usr/bin/python3', ESP_TOOL, 'inject', join(dataDir, 'wan.pcap'), String(t.spiOut)]);
    let after = before;
    for (let i = 0; i < 20; i++) {
      after = (await readRouter(routerB)).drops;
      if (after.replay! > before.replay! && after['auth-failed']! > before['auth-failed']!) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after.replay! - before.replay!).toBe(1);
    expect(after['auth-failed']! - before['auth-failed']!).toBe(1);
  }, 30_000);

  it('never lets key bytes reach the NFVO (logs, VCA messages, REST answers, store)', async () => {
    const corpus = [...nfvoSeen];
    const storeDir = join(dataDir, 'nfvo');
    for (const coll of await readdir(storeDir, { withFileTypes: true })) {
      if (!coll.isDirectory()) continue;
      for (const f of await readdir(join(storeDir, coll.name))) corpus.push(await readFile(join(storeDir, coll.name, f), 'utf8'));
    }
    const text = corpus.join('\n').toLowerCase();
    expect(text.length).toBeGreaterThan(1000);
    for (const sa of [...sas.values()].flat()) {
      const key = sa.espSa.encryption.key!;
      for (const bytes of [key, key.subarray(0, 32), key.subarray(0, 16)]) {
        const forms = [toHex(bytes), toYangHexString(bytes), Buffer.from(bytes).toString('base64').toLowerCase(), Array.from(bytes).join(','), Array.from(bytes).join(', ')];
        for (const f of forms) expect(text.includes(f)).toBe(false);
      }
    }
  });

  it('terminates and leaves nothing with the instance\'s label', async () => {
    const term = await rest('POST', `/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    expect(term.status).toBe(202);
    const op = await waitOp(term.location!);
    expect(op.operationState).toBe('COMPLETED');
    ns = (await rest('GET', `/nslcm/v1/ns_instances/${ns.id}`)).json as NsInstance;
    expect(ns.nsState).toBe('NOT_INSTANTIATED');
    for (const d of lab.domains) expect(await d.vim.listResources({ instanceId: ns.id })).toEqual([]);
    const { stdout: netns } = await run('ip', ['netns', 'list']);
    expect(netns).not.toContain(lab.domains[0].vim.installationId.slice(0, 8));
    const { stdout: links } = await run('ip', ['-o', 'link']);
    expect(links).not.toContain(ns.id);
    const { stdout: procs } = await run('ps', ['-eo', 'args']);
    expect(procs).not.toContain(ns.id);
  }, 60_000);
});
