/**
 * The two-domain QKD VPN end to end on the `docker` VIM driver: NFVO REST →
 * VCAs over SSH → docker VIM → router programs in containers (TUN +
 * userspace ESP), site hosts in containers, each domain's links on its own
 * Open vSwitch bridge, the WAN joined between the two bridges by patch
 * ports, and again by VXLAN (Linux vxlan devices over per-domain underlay
 * namespaces, the lab's `interDomain: 'vxlan'`). Checks:
 *  - instantiate COMPLETED, both accounts and VCAs report the docker driver;
 *  - a ping from site A's host to site B's host gets its replies, and a
 *    capture on router A's WAN port (host end of its veth) holds ESP only,
 *    which Scapy decrypts with the SA keys read back from the routers over
 *    NETCONF (admin user) to the hosts' ICMP packets;
 *  - the routers' SA counters (through the VCAs) count those packets;
 *  - with VXLAN: both domains' vxlan devices of the instance's WAN carried
 *    those packets (their kernel counters);
 *  - terminate COMPLETED, nothing with the instance's label is left in
 *    either domain, and no container carries the instance label.
 * Needs root, dockerd, Open vSwitch, tcpdump, ping, python3-scapy and a built dist/ (the
 * router image is made from it): scripts/setup.sh --test, npm run build.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DomainLab, dockerWanPort, startCapture } from '../../bin/lab/index.js';
import { configureLogging, toHex } from '../../common/index.js';
import { DockerVimDriver } from '../../vim/index.js';
import type { NsInstance, NsLcmOpOcc } from '../../nfvo/index.js';

const run = promisify(execFile);
const ESP_TOOL = join(dirname(fileURLToPath(import.meta.url)), 'esp_tool.py');

/** Packets through each of an instance's VXLAN devices (OVS ports labelled `qnfv.kind=vxlan`), from the kernel's counters. */
async function vxlanPackets(instanceId: string): Promise<Record<string, { tx: number; rx: number }>> {
  const { stdout } = await run('ovs-vsctl', ['--format=csv', '--no-headings', '--columns=name', 'find', 'interface', `external_ids:qnfv.instance=${instanceId}`, 'external_ids:qnfv.kind=vxlan']);
  const out: Record<string, { tx: number; rx: number }> = {};
  for (const name of stdout.split('\n').map((l) => l.trim().replace(/"/g, '')).filter((l) => l !== '')) {
    const stat = async (k: string) => Number((await run('cat', [`/sys/class/net/${name}/statistics/${k}_packets`])).stdout);
    out[name] = { tx: await stat('tx'), rx: await stat('rx') };
  }
  return out;
}

describe.each(['patch', 'vxlan'] as const)('two-domain QKD VPN on the docker VIM driver, end to end (WAN between the bridges: %s)', (interDomain) => {
  let lab: DomainLab;
  let dataDir: string;
  let ns: NsInstance;
  let installationId: string;

  /** The docker driver of a lab domain. */
  function dockerVim(i: 0 | 1): DockerVimDriver {
    const vim = lab.domains[i].vim;
    if (!(vim instanceof DockerVimDriver)) throw new Error(`domain ${lab.domains[i].name} does not run the docker driver`);
    return vim;
  }

  beforeAll(async () => {
    configureLogging({ console: false });
    dataDir = await mkdtemp(join(tmpdir(), 'qnfv-e2e-docker-'));
    installationId = `t${randomBytes(8).toString('hex')}`;
    lab = await DomainLab.start({ dataDir, installationId, vimDriver: 'docker', interDomain });
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('registers both domains as docker VIM accounts', async () => {
    for (const d of lab.domains) {
      expect(d.vim.kind).toBe('docker');
      expect(d.account!.vimType).toBe('docker');
      const c = await lab.connector.connect(d.account!);
      try {
        expect(await c.call('vca.hello', {})).toMatchObject({ domain: d.name, vimDriver: 'docker' });
      } finally {
        c.close();
      }
    }
  }, 30_000);

  it('instantiates the bundled NS with its routers and hosts in containers', async () => {
    // The first instantiation builds the router image from dist/ (a few seconds), later ones reuse it.
    ns = await lab.deployBundledVpn('e2e-docker');
    expect(ns.nsState).toBe('INSTANTIATED');
    expect(ns.vnfInstance.map((v) => [v.vnfProfileId, v.vimId])).toEqual([
      ['site-a', lab.domains[0].account!.id],
      ['site-b', lab.domains[1].account!.id],
    ]);
    const { stdout } = await run('docker', ['ps', '--filter', `label=qnfv.instance=${ns.id}`, '--format', '{{.Names}} {{.Label "qnfv.role"}}']);
    const roles = stdout.trim().split('\n').map((l) => l.split(' ')[1]).sort();
    expect(roles).toEqual(['host', 'host', 'router', 'router']);
  }, 120_000);

  it('carries a ping between the sites\' hosts as ESP only on the WAN, counted by the SAs', async () => {
    const hostA = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-a-lan')!;
    const hostB = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-b-lan')!;
    const vimA = dockerVim(0);
    const pcap = join(dataDir, 'wan.pcap');
    const capture = await startCapture(undefined, await dockerWanPort(vimA, ns.id, 'site-a'), pcap);
    const dst = hostB.address.split('/')[0]!;
    const vxlanBefore = await vxlanPackets(ns.id);
    const ping = await vimA.exec(hostA.namespace, ['ping', '-c', '4', '-i', '0.2', '-W', '2', dst], { allowFailure: true });
    await new Promise((r) => setTimeout(r, 300));
    await capture.stop();
    expect(ping.stdout).toMatch(/4 received/);
    if (interDomain === 'vxlan') {
      // One vxlan device per domain for the WAN; each sent and received the 4 ESP packets of its side.
      const after = await vxlanPackets(ns.id);
      expect(Object.keys(after)).toHaveLength(2);
      for (const [dev, c] of Object.entries(after)) {
        expect(c.tx - vxlanBefore[dev]!.tx).toBeGreaterThanOrEqual(4);
        expect(c.rx - vxlanBefore[dev]!.rx).toBeGreaterThanOrEqual(4);
      }
    } else {
      expect(await vxlanPackets(ns.id)).toEqual({});
    }

    // On router A's WAN port: the 8 ICMP packets as ESP, nothing in clear from the site subnets.
    const { stdout: esp } = await run('tcpdump', ['-n', '-r', pcap, 'esp']);
    expect(esp.trim().split('\n').filter((l) => l.includes('ESP'))).toHaveLength(8);
    const { stdout: other } = await run('tcpdump', ['-n', '-r', pcap, 'not', 'esp']);
    expect(other.split('\n').filter((l) => l.includes('10.1.0.') || l.includes('10.2.0.') || l.includes('ICMP'))).toEqual([]);

    // Scapy decrypts all 8 with site A's SA keys (read back over NETCONF) to the hosts' ICMP packets.
    const sad = await lab.routerSad(ns.vnfInstance.find((v) => v.vnfProfileId === 'site-a')!);
    const sasFile = join(dataDir, 'sas.json');
    await writeFile(sasFile, JSON.stringify(sad.map((sa) => ({ spi: sa.spi, key: toHex(sa.espSa.encryption.key!), src: sa.tunnel!.local, dst: sa.tunnel!.remote }))));
    const out = JSON.parse((await run('/usr/bin/python3', [ESP_TOOL, 'decrypt', pcap, sasFile])).stdout) as { ok?: boolean; inner_src?: string; inner_dst?: string; inner_proto?: number }[];
    expect(out).toHaveLength(8);
    expect(out.filter((p) => !p.ok)).toEqual([]);
    const src = hostA.address.split('/')[0]!;
    expect(out.filter((p) => p.inner_src === src && p.inner_dst === dst && p.inner_proto === 1)).toHaveLength(4);
    expect(out.filter((p) => p.inner_src === dst && p.inner_dst === src && p.inner_proto === 1)).toHaveLength(4);

    // The SA counters, read by the NFVO through the VCAs: each direction's SA saw the 4 packets.
    const states = await lab.nfvo.lcm.ipsecState(ns.id);
    expect(states.map((s) => s.vnfId).sort()).toEqual(['site-a', 'site-b']);
    for (const s of states) {
      expect(s.sas).toHaveLength(2);
      for (const sa of s.sas) {
        expect(sa.packets).toBeGreaterThanOrEqual(4);
        expect(sa.replayDropped).toBe(0);
      }
    }
  }, 60_000);

  it('terminates and leaves nothing with the instance\'s label', async () => {
    const loc = await lab.client.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/terminate`, {});
    const op: NsLcmOpOcc = await lab.client.waitOp(loc, { intervalMs: 50 });
    expect(op.operationState).toBe('COMPLETED');
    ns = await lab.client.get<NsInstance>(`/nslcm/v1/ns_instances/${ns.id}`);
    expect(ns.nsState).toBe('NOT_INSTANTIATED');
    for (const d of lab.domains) expect(await d.vim.listResources({ instanceId: ns.id })).toEqual([]);
    const { stdout: containers } = await run('docker', ['ps', '-a', '--filter', `label=qnfv.instance=${ns.id}`, '--format', '{{.Names}}']);
    expect(containers.trim()).toBe('');
    const { stdout: ports } = await run('ovs-vsctl', ['--format=csv', '--columns=name', 'find', 'interface', `external_ids:qnfv.instance=${ns.id}`]);
    expect(ports.trim().split('\n').slice(1).filter((l) => l !== '')).toEqual([]);
    const { stdout: links } = await run('ip', ['-o', 'link']);
    expect(links).not.toContain(ns.id);
  }, 60_000);
});
