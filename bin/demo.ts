/**
 * `qnfv demo`: the two-domain QKD-VPN, end to end, on embedded defaults.
 *   1. start the lab: QKD link, per domain a Hybridization Module, VIM
 *      (netns when running as root, `local` — child processes on loopback,
 *      no root — otherwise; or as `--vim` says) and VCA, and the NFVO;
 *   2. over the NFVO's REST API: onboard the bundled VNF package and NSD,
 *      create the NS instance, instantiate it with one site per domain, and
 *      follow the operation occurrence's progress;
 *   3. send traffic from site A's host to site B's host while capturing the
 *      WAN link, and check that only ESP with the installed SPIs crossed it
 *      (tcpdump on the WAN bridge or OVS port; with `local`, which has no
 *      root for tcpdump, router A's own record of every datagram on its WAN
 *      socket — the demo says which check it used);
 *   4. report key ids, SPIs and router counters; terminate over REST and
 *      check nothing with the instance's label is left.
 * Exits 0 only when every check passed. `--keep` stays up until Ctrl-C.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { configureLogging, errorMessage } from '../common/index.js';
import { bundledPackagePaths } from '../nsd/index.js';
import type { NsInstance } from '../nfvo/index.js';
import { DomainLab, bridgePort, dockerWanPort, startCapture } from './lab/index.js';
import { DockerVimDriver, LOCAL_CAPTURE_ENV } from '../vim/index.js';
import { describeDatagram, readWireCapture } from '../virtual-router/wire/index.js';
import { chooseDemoVim, demoPreflight, type DemoVim } from './preflight.js';
import { readPcapIpv4 } from './pcap.js';


interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const mark = (ok: boolean) => (ok ? (process.stdout.isTTY ? '\x1b[32m✔\x1b[0m' : 'PASS') : process.stdout.isTTY ? '\x1b[31m✘\x1b[0m' : 'FAIL');
const say = (s: string) => process.stdout.write(`${s}\n`);

export interface DemoOptions {
  keep: boolean;
  dataDir?: string;
  /** What feeds the QKD link (default: the BB84 decoy-state simulator). */
  qkdFeed?: 'csprng' | 'bb84';
  /**
   * The domains' VIM driver; default netns when running as root (and it can run), local otherwise.
   * docker needs dockerd and Open vSwitch (scripts/setup.sh --test); local needs only `npm run build`.
   */
  vim?: DemoVim;
}

/** Run the demo; resolves to the process exit code. */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const choice = chooseDemoVim(opts.vim);
  const vimDriver = choice.vim;
  const problems = demoPreflight(vimDriver);
  if (problems.length > 0) {
    say(`qnfv demo cannot run here with the ${vimDriver} VIM driver:`);
    for (const p of problems) say(`  - ${p}`);
    return 2;
  }
  if (!process.env.QNFV_LOG_LEVEL) configureLogging({ level: 'warn' });
  const started = Date.now();
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'qnfv-demo-')));
  const installationId = randomUUID();
  const checks: Check[] = [];
  const check = (what: string, ok: boolean, detail: string) => {
    checks.push({ what, ok, detail });
    say(`  ${mark(ok)} ${what}: ${detail}`);
  };

  say(bold('qnfv demo — a QKD + ML-KEM keyed IPsec VPN between two domains, without IKE'));
  say(`  VIM driver: ${vimDriver} (${choice.reason}); data directory ${dataDir}`);
  // local: the drivers (created by the lab) record every datagram of the routers' WAN ports here.
  const wireCaptureDir = join(dataDir, 'wan-capture');
  const captureEnvBefore = process.env[LOCAL_CAPTURE_ENV];
  if (vimDriver === 'local') process.env[LOCAL_CAPTURE_ENV] = wireCaptureDir;
  let lab: DomainLab;
  try {
    lab = await DomainLab.start({ dataDir, installationId, qkdFeed: opts.qkdFeed ?? 'bb84', vimDriver });
  } catch (err) {
    restoreEnv(LOCAL_CAPTURE_ENV, captureEnvBefore);
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    say(`  ${mark(false)} starting the lab: ${errorMessage(err)}`);
    return 1;
  }
  const api = lab.nfvoUrl;
  const http = (method: string, path: string, body?: unknown, contentType?: string) => lab.client.request(method, path, body, { contentType });
  const follow = (location: string) =>
    lab.client.waitOp(location, { onProgress: (op) => say(`  [${op.operationState}] ${op.progress.stage} ${op.progress.detail}`) });
  for (const line of lab.describeQkd()) say(`  QKD link: ${line}`);
  say(`  NFVO ${api}; domains ${lab.domains.map((d) => `${d.name} (VCA ssh://${d.account!.vca.host}:${d.account!.vca.port})`).join(', ')}`);
  let nsId: string | undefined;
  let terminated = false;
  try {
    // 1. Onboard the bundled packages.
    say(bold('\n1. Onboarding the bundled packages (SOL005 /vnfpkgm, /nsd)'));
    const paths = bundledPackagePaths();
    const vnfd = await http('POST', `/vnfpkgm/v1/vnf_packages_content`, await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml')), 'application/yaml');
    const nsd = await http('POST', `/nsd/v1/ns_descriptors_content`, await readFile(join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml')), 'application/yaml');
    check('descriptors onboarded', vnfd.status === 201 && nsd.status === 201, `VNF package ${(vnfd.body as { id: string }).id}, NSD ${(nsd.body as { id: string }).id}`);

    // 2. Create and instantiate.
    say(bold('\n2. Instantiating the NS (site-a → domain-a, site-b → domain-b)'));
    const created = await http('POST', `/nslcm/v1/ns_instances`, { nsdId: 'qnfv-qkd-vpn-ns', nsName: 'demo-vpn', nsDescription: 'qnfv demo' });
    nsId = (created.body as NsInstance).id;
    const t0 = Date.now();
    const inst = await http('POST', `/nslcm/v1/ns_instances/${nsId}/instantiate`, {
      nsFlavourId: 'default-df',
      vnf: [
        { 'member-vnf-index': 'site-a', vimAccountId: lab.domains[0].name },
        { 'member-vnf-index': 'site-b', vimAccountId: lab.domains[1].name },
      ],
    });
    const op = await follow(String(inst.headers.get('location')));
    check('NS instantiated', op.operationState === 'COMPLETED', `${op.operationState} in ${((Date.now() - t0) / 1000).toFixed(1)} s${op.error ? ` — ${op.error.detail}` : ''}`);
    if (op.operationState !== 'COMPLETED') return finish(checks, started);
    const ns = (await http('GET', `/nslcm/v1/ns_instances/${nsId}`)).body as NsInstance;

    // 3. Traffic through the tunnel, captured on the WAN.
    say(bold('\n3. Traffic from site A to site B, captured on the WAN link'));
    const hostA = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-a-lan')!;
    const hostB = ns.qkdVpn!.hosts.find((h) => h.id === 'host-site-b-lan')!;
    const vimA = lab.domains[0].vim;
    const pcap = join(dataDir, 'wan.pcap');
    let capture: { stop(): Promise<void> };
    if (vimDriver === 'local') {
      // No tcpdump without root: router A's wire records its WAN socket's datagrams itself (since the lab started).
      capture = { stop: async () => undefined };
    } else if (vimA instanceof DockerVimDriver) {
      // Router A's WAN port: the host end of its veth on domain A's Open vSwitch bridge.
      capture = await startCapture(undefined, await dockerWanPort(vimA, nsId, 'site-a'), pcap);
    } else {
      // The WAN virtual link is a bridge in its own namespace; ensureNetwork returns the existing one.
      const wan = await vimA.ensureNetwork({ instanceId: nsId, id: 'wan', kind: 'wan' });
      capture = await startCapture(wan.namespace, await bridgePort(wan.namespace, wan.bridge), pcap);
    }
    const dst = hostB.address.split('/')[0]!;
    const ping = (await vimA.exec(hostA.namespace, ['ping', '-c', '5', '-i', '0.2', '-W', '2', dst], { allowFailure: true })).stdout;
    await new Promise((r) => setTimeout(r, 500));
    await capture.stop();
    const received = Number(/(\d+) received/.exec(ping)?.[1] ?? 0);
    check(`ping ${hostA.address.split('/')[0]} → ${dst}`, received >= 4, `${received}/5 replies through the tunnel`);
    const t = ns.qkdVpn!.tunnels[0]!;
    const known = new Set([t.spiOut, t.spiIn]);
    let spis: Set<number | undefined>;
    if (vimDriver === 'local') {
      const file = join(wireCaptureDir, `${nsId}-site-a-wan0.pcap`);
      say(`  check used: router A's WAN wire capture (${file}) — every UDP datagram its WAN socket sent or received, recorded by the router process itself; tcpdump on lo needs root`);
      const datagrams = (await readWireCapture(file)).map((r) => describeDatagram(r.payload, 'esp-in-udp'));
      const esp = datagrams.filter((d) => d.kind === 'esp');
      spis = new Set(esp.map((d) => d.spi));
      const other = datagrams.length - esp.length;
      check('only ESP on the WAN', esp.length >= 2 * received && other === 0, `${esp.length} ESP-in-UDP datagrams (RFC 3948), ${other} others (plain IP after the non-ESP marker, keepalives)`);
    } else {
      const packets = await readPcapIpv4(pcap);
      const esp = packets.filter((p) => p.protocol === 50);
      spis = new Set(esp.map((p) => p.spi));
      const plaintext = packets.filter((p) => p.protocol !== 50 && (p.src.startsWith('10.') || p.dst.startsWith('10.')));
      say(`  check used: tcpdump on the WAN link (${pcap})`);
      check('only ESP on the WAN', esp.length >= 2 * received && plaintext.length === 0, `${esp.length} ESP packets (IP protocol 50), ${plaintext.length} plaintext site packets`);
    }
    check('SPIs on the wire are the installed ones', spis.size > 0 && [...spis].every((s) => known.has(s!)), [...spis].map((s) => hex(s!)).join(', '));

    // 4. Keys and SAs (ids and counters only: the NFVO never holds keys).
    say(bold('\n4. Keys and security associations'));
    say(`  tunnel ${t.id}: ${t.encryption}, key sources ${t.keySources.join(' + ')}, combiner ${t.combiner}`);
    say(`  key stream (ETSI 004 KSID) ${t.keyIds.keyStreamId} index ${t.keyIds.index}; QKD key_IDs (ETSI 014) ${t.keyIds.qkdKeyIds.join(', ')}; KEM ${t.keyIds.kem}`);
    say(`  SPI ${hex(t.spiOut)} ${t.master} → ${t.peer}, SPI ${hex(t.spiIn)} ${t.peer} → ${t.master}`);
    const states = await lab.nfvo.lcm.ipsecState(nsId);
    for (const r of states) for (const sa of r.sas) say(`  ${r.vnfId}: SA ${sa.name} packets ${sa.packets} bytes ${sa.bytes} replay-dropped ${sa.replayDropped}`);
    check('key ids synchronised', t.keyIds.qkdKeyIds.length > 0 && t.keyIds.kem === 'ML-KEM-512' && !t.keyIds.degraded, `both domains used QKD key ${t.keyIds.qkdKeyIds[0]} and one ML-KEM-512 exchange`);
    check('both routers counted traffic', states.every((r) => r.sas.some((s) => s.packets > 0)), states.map((r) => `${r.vnfId}: ${r.sas.reduce((n, s) => n + s.packets, 0)} packets`).join(', '));

    if (opts.keep) {
      say(bold('\nThe VPN stays up (--keep). Try:'));
      if (vimDriver === 'local') say(`  (local driver: the hosts are processes without a shell; their built-in ping runs through the VIM's exec, as above)`);
      else say(vimDriver === 'docker' ? `  nsenter -t $(docker inspect -f '{{.State.Pid}}' ${hostA.namespace}) -n ping ${dst}` : `  ip netns exec ${hostA.namespace} ping ${dst}`);
      say(`  curl -H 'Authorization: Bearer ${lab.client.token ?? ''}' ${api}/nslcm/v1/ns_instances/${nsId}`);
      say('Press Ctrl-C to terminate it and stop.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }

    // 5. Terminate.
    say(bold('\n5. Terminating'));
    const term = await http('POST', `/nslcm/v1/ns_instances/${nsId}/terminate`, {});
    const top = await follow(String(term.headers.get('location')));
    terminated = top.operationState === 'COMPLETED';
    const left = (await Promise.all(lab.domains.map((d) => d.vim.listResources({ instanceId: nsId })))).flat();
    check('NS terminated', terminated && left.length === 0, `${top.operationState}; ${left.length} resources left with the instance's label`);
    return finish(checks, started);
  } catch (err) {
    check('demo ran to the end', false, errorMessage(err));
    return finish(checks, started);
  } finally {
    if (nsId && !terminated) await lab.nfvo.lcm.terminate(nsId, {}).then(() => lab.nfvo.lcm.settle(nsId!)).catch(() => undefined);
    await lab.stop();
    restoreEnv(LOCAL_CAPTURE_ENV, captureEnvBefore);
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function finish(checks: Check[], started: number): number {
  const failed = checks.filter((c) => !c.ok);
  say(bold(`\n${failed.length === 0 ? 'All' : `${checks.length - failed.length} of`} ${checks.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`));
  return failed.length === 0 ? 0 : 1;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
