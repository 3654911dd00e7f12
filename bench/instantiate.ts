/**
 * bench:instantiate — how long the NFVO takes to bring a QKD-VPN NS up and
 * down, end to end over REST (POST …/instantiate → VCAs over SSH → VIM →
 * routers up → key-id synchronisation through both Hybridization Modules →
 * SAs over NETCONF → verified → COMPLETED; POST …/terminate → COMPLETED):
 *   (a) the bundled two-site NS, one site per domain, on the `netns` VIM;
 *   (a') the same on the `local` VIM (routers and hosts are child
 *       processes, links UDP on loopback: what runs without root);
 *   (b) the same on the `docker` VIM (routers and hosts in containers, each
 *       domain on its Open vSwitch bridge; the router image is built before
 *       the clock starts and its build time reported apart), the WAN joined
 *       between the bridges by patch ports, then by VXLAN;
 *   (c) a ten-site full mesh (every site pair its own tunnel: 45), generated
 *       from the bundled two-site NSD, on `netns`, in a lab of ten domains
 *       (one site each; a QKD link between every pair of domains' nodes, and
 *       each domain's Hybridization Module has the nine others as peers), so
 *       every tunnel is keyed through its own QKD link and HM pair;
 *   (d) as many routers per domain as (c), every tunnel across the domains:
 *       five two-site NSs instantiated at once, then terminated at once
 *       (wall time until all are COMPLETED), on `netns`.
 * Each case is instantiated and terminated --reps times on a fresh NS
 * instance each time; medians reported. After all terminations, anything
 * still labelled with one of the bench's instances in any domain (netns:
 * namespaces and links; docker: containers, OVS ports and links) is counted
 * as `terminate_leftovers` (must be 0). Targets: two-domain COMPLETED under
 * 3 s on netns and under 8 s on docker.
 * Needs root, dockerd and Open vSwitch (scripts/setup.sh --test) and a built
 * dist/ (the router image is made from it). Last line: one JSON object.
 * Usage: node dist/bench/instantiate.js [--reps N] [--sites N] [--skip-docker]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dump, load } from 'js-yaml';
import { DomainLab, type LabOptions } from '../bin/lab/index.js';
import { configureLogging } from '../common/index.js';
import { bundledPackagePaths } from '../nsd/index.js';
import { DockerVimDriver } from '../vim/index.js';
import type { NsInstance, NsLcmOpOcc } from '../nfvo/index.js';

const run = promisify(execFile);
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const REPS = arg('reps', 3);
const SITES = arg('sites', 10);
const SKIP_DOCKER = process.argv.includes('--skip-docker');
const say = (s: string) => process.stdout.write(`${s}\n`);

const TWO_SITE_NSD_ID = 'qnfv-qkd-vpn-ns';

/** Seconds with millisecond resolution. */
const secs = (ms: number): number => Number((ms / 1000).toFixed(3));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Site ids: site-a … site-z, then site-27 …. */
const siteId = (i: number): string => `site-${i < 26 ? String.fromCharCode(97 + i) : String(i + 1)}`;

/** The shape of the NSD parts the generator touches. */
interface NsdDoc {
  nsd: {
    nsd: {
      id: string;
      name: string;
      description?: string;
      'virtual-link-desc': { id: string; 'mgmt-network'?: boolean }[];
      df: { 'vnf-profile': { id: string; 'virtual-link-connectivity': { 'virtual-link-profile-id': string; 'constituent-cpd-id': { 'constituent-base-element-id': string }[] }[] }[] }[];
    }[];
  };
}

/**
 * An n-site full-mesh NSD from the bundled two-site one: site A's profile
 * copied per site with its own LAN, every site on the one protected WAN (the
 * NFVO keys one tunnel per pair of routers on a protected link).
 */
export function meshNsdText(twoSiteText: string, sites: number): { id: string; text: string } {
  const doc = load(twoSiteText) as NsdDoc;
  const nsd = doc.nsd.nsd[0]!;
  const id = `qnfv-qkd-vpn-mesh${sites}-ns`;
  nsd.id = id;
  nsd.name = id;
  nsd.description = `Quantum-safe ${sites}-site full-mesh VPN (bench:instantiate): every pair of sites joined by its own IKE-less IPsec tunnel on the WAN.`;
  const template = JSON.stringify(nsd.df[0]!['vnf-profile'].find((p) => p.id === 'site-a')!);
  const ids = Array.from({ length: sites }, (_, i) => siteId(i));
  nsd['virtual-link-desc'] = [
    ...nsd['virtual-link-desc'].filter((l) => !/^site-.*-lan$/.test(l.id)),
    ...ids.map((s) => ({ id: `${s}-lan` })),
  ];
  nsd.df[0]!['vnf-profile'] = ids.map((s) => JSON.parse(template.replaceAll('site-a', s)) as NsdDoc['nsd']['nsd'][0]['df'][0]['vnf-profile'][0]);
  return { id, text: dump(doc) };
}

interface CaseResult {
  instantiate: number[];
  terminate: number[];
  leftovers: number;
}

/** Create an NS instance (its id goes into `ids` at once, for the leftover count), POST instantiate, wait for COMPLETED; the REST-to-COMPLETED time. */
async function instantiate(lab: DomainLab, ids: Set<string>, nsdId: string, name: string, placement: { 'member-vnf-index': string; vimAccountId: string }[]): Promise<{ id: string; ms: number }> {
  const api = lab.client;
  const ns = (await api.request<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId, nsName: name })).body;
  ids.add(ns.id);
  const t0 = performance.now();
  // When each progress stage was first seen (polled every 20 ms): where the time goes.
  const seen: [string, number][] = [];
  const onProgress = (o: NsLcmOpOcc): void => {
    // Stage k/n; the deploy stage (3) once per domain, named by the detail's last word.
    const stage = o.progress.detail.startsWith('deploying') ? `${o.progress.stage}:${o.progress.detail.split(' ').at(-1) ?? ''}` : o.progress.stage;
    if (seen.at(-1)?.[0] !== stage) seen.push([stage, performance.now() - t0]);
  };
  const op = await api.waitOp(await api.postForLocation(`/nslcm/v1/ns_instances/${ns.id}/instantiate`, { vnf: placement }), { intervalMs: 20, onProgress });
  const ms = performance.now() - t0;
  if (op.operationState !== 'COMPLETED') throw new Error(`instantiate of ${name} ${op.operationState}: ${op.error?.detail ?? ''}`);
  lastStages = seen.map(([stage, at], i) => `${stage} ${(((seen[i + 1]?.[1] ?? ms) - at) / 1000).toFixed(2)}`).join(', ');
  return { id: ns.id, ms };
}

/** Stage times (s) of the last successful instantiation, for the report lines. */
let lastStages = '';

/** POST terminate, wait for COMPLETED; the time. */
async function terminate(lab: DomainLab, id: string): Promise<number> {
  const t0 = performance.now();
  const op = await lab.client.waitOp(await lab.client.postForLocation(`/nslcm/v1/ns_instances/${id}/terminate`, {}), { intervalMs: 20 });
  const ms = performance.now() - t0;
  if (op.operationState !== 'COMPLETED') throw new Error(`terminate of ${id} ${op.operationState}: ${op.error?.detail ?? ''}`);
  return ms;
}

/** Instantiate then terminate a fresh instance, `reps` times. */
async function cycles(lab: DomainLab, ids: Set<string>, nsdId: string, name: string, placement: { 'member-vnf-index': string; vimAccountId: string }[]): Promise<CaseResult> {
  const r: CaseResult = { instantiate: [], terminate: [], leftovers: 0 };
  for (let i = 0; i < REPS; i++) {
    const t = await instantiate(lab, ids, nsdId, `${name}-${i}`, placement);
    r.instantiate.push(t.ms);
    r.terminate.push(await terminate(lab, t.id));
  }
  return r;
}

/**
 * `n` two-site instances instantiated at once (2n routers, n per domain, n
 * tunnels), then terminated at once: wall time until all are COMPLETED.
 */
async function concurrentCycles(lab: DomainLab, ids: Set<string>, n: number, placement: { 'member-vnf-index': string; vimAccountId: string }[]): Promise<CaseResult> {
  const r: CaseResult = { instantiate: [], terminate: [], leftovers: 0 };
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    const done = await Promise.all(Array.from({ length: n }, (_, k) => instantiate(lab, ids, TWO_SITE_NSD_ID, `bench-netns-conc-${i}-${k}`, placement)));
    r.instantiate.push(performance.now() - t0);
    const t1 = performance.now();
    await Promise.all(done.map((d) => terminate(lab, d.id)));
    r.terminate.push(performance.now() - t1);
  }
  return r;
}

/** Onboard the router VNF package and the two-site NSD. */
async function onboardBundled(lab: DomainLab): Promise<string> {
  const paths = bundledPackagePaths();
  await lab.client.request('POST', '/vnfpkgm/v1/vnf_packages_content', await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'), { contentType: 'application/yaml' });
  const nsd = await readFile(join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'), 'utf8');
  await lab.client.request('POST', '/nsd/v1/ns_descriptors_content', nsd, { contentType: 'application/yaml' });
  return nsd;
}

/** Resources still labelled with one of `instances` in the lab's domains (plus, for docker, containers by label). */
async function leftovers(lab: DomainLab, instances: ReadonlySet<string>): Promise<{ count: number; what: string[] }> {
  const what: string[] = [];
  for (const d of lab.domains) {
    for (const r of await d.vim.listResources({})) if (instances.has(r.instanceId)) what.push(`${d.name}: ${r.kind} ${r.name}`);
  }
  if (lab.domains[0].vim.kind === 'docker') {
    const { stdout } = await run('docker', ['ps', '-a', '--filter', `label=qnfv.install=${lab.domains[0].vim.installationId}`, '--format', '{{.Names}} {{.Label "qnfv.instance"}}']);
    for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) {
      const [name, inst] = line.split(' ');
      if (inst !== undefined && instances.has(inst) && !what.some((w) => w.endsWith(` ${name}`))) what.push(`docker: container ${name}`);
    }
  }
  return { count: what.length, what };
}

function report(label: string, r: CaseResult): void {
  const f = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' ');
  say(`   ${label}: stages of the last instantiation (s): ${lastStages}`);
  say(`   ${label}: instantiate median ${(median(r.instantiate) / 1000).toFixed(2)} s [${f(r.instantiate)}], terminate median ${(median(r.terminate) / 1000).toFixed(2)} s [${f(r.terminate)}], leftovers ${r.leftovers}`);
}

/** Run the lab's cases; each is instantiated and terminated REPS times. */
async function withLab<T>(vimDriver: 'netns' | 'docker' | 'local', body: (lab: DomainLab) => Promise<T>, extra: Pick<LabOptions, 'domains' | 'interDomain'> = {}): Promise<T> {
  configureLogging({ console: false });
  const dataDir = await mkdtemp(join(tmpdir(), `qnfv-bench-instantiate-${vimDriver}-`));
  // Up to five tunnels at once per domain pair, one QKD key each: a fast stand-in link with a deep prefill.
  const lab = await DomainLab.start({ dataDir, installationId: `b${randomBytes(8).toString('hex')}`, vimDriver, qkdKeyRate: 200, qkdPrefill: 200, ...extra });
  try {
    return await body(lab);
  } finally {
    await lab.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:instantiate needs root (network namespaces, TUN devices, dockerd, OVS)');
  const twoSitePlacement = (lab: DomainLab) => [
    { 'member-vnf-index': 'site-a', vimAccountId: lab.domains[0].name },
    { 'member-vnf-index': 'site-b', vimAccountId: lab.domains[1].name },
  ];

  say(`1. netns VIM, two domains: two-site NS ×${REPS}, then ${Math.floor(SITES / 2)} two-site NSs at once ×${REPS}`);
  const netns = await withLab('netns', async (lab) => {
    await onboardBundled(lab);
    const ids = new Set<string>();
    const two = await cycles(lab, ids, TWO_SITE_NSD_ID, 'bench-netns-2', twoSitePlacement(lab));
    report('two-domain', two);
    // As many routers per domain as half the mesh, in two-site instances (every tunnel crosses the domains).
    const conc = await concurrentCycles(lab, ids, Math.floor(SITES / 2), twoSitePlacement(lab));
    report(`${Math.floor(SITES / 2)} two-site NSs at once`, conc);
    const left = await leftovers(lab, ids);
    if (left.count > 0) say(`   leftovers: ${left.what.join(', ')}`);
    two.leftovers = left.count;
    return { two, conc };
  });

  say(`1b. local VIM (child processes, UDP on loopback, no root needed): two-site NS ×${REPS}`);
  const local = await withLab('local', async (lab) => {
    await onboardBundled(lab);
    const ids = new Set<string>();
    const res = await cycles(lab, ids, TWO_SITE_NSD_ID, 'bench-local-2', twoSitePlacement(lab));
    const left = await leftovers(lab, ids);
    if (left.count > 0) say(`   leftovers: ${left.what.join(', ')}`);
    res.leftovers = left.count;
    report('two-domain', res);
    return res;
  });

  say(`2. netns VIM, ${SITES} domains: a ${SITES}-site full mesh (${(SITES * (SITES - 1)) / 2} tunnels, one site per domain) ×${REPS}`);
  const domainOf = (i: number): string => siteId(i).replace(/^site-/, 'domain-');
  const mesh = await withLab(
    'netns',
    async (lab) => {
      const twoSite = await onboardBundled(lab);
      const ids = new Set<string>();
      const gen = meshNsdText(twoSite, SITES);
      await lab.client.request('POST', '/nsd/v1/ns_descriptors_content', gen.text, { contentType: 'application/yaml' });
      const placement = Array.from({ length: SITES }, (_, i) => ({ 'member-vnf-index': siteId(i), vimAccountId: domainOf(i) }));
      const res = await cycles(lab, ids, gen.id, 'bench-netns-mesh', placement);
      const left = await leftovers(lab, ids);
      if (left.count > 0) say(`   leftovers: ${left.what.join(', ')}`);
      res.leftovers = left.count;
      report(`${SITES}-site mesh`, res);
      return res;
    },
    { domains: Array.from({ length: SITES }, (_, i) => domainOf(i)) },
  );

  let dockerTwo: CaseResult | undefined;
  let dockerVxlan: CaseResult | undefined;
  let imageBuildMs = 0;
  let imageCached = true;
  if (!SKIP_DOCKER) {
    say(`3. docker VIM: two-domain NS ×${REPS}, the WAN joined by patch ports, then by VXLAN`);
    const dockerCase = (interDomain: 'patch' | 'vxlan') => withLab('docker', async (lab) => {
      const vim = lab.domains[0].vim;
      if (!(vim instanceof DockerVimDriver)) throw new Error('the docker lab has no docker driver');
      await vim.checkPrerequisites();
      const image = await vim.routerImage();
      // The first case builds the image (when the router changed), the second finds it cached.
      if (!image.cached) imageBuildMs = image.hashMs + image.buildMs;
      imageCached &&= image.cached;
      say(`   router image ${image.tag} (${image.cached ? 'cached' : `built in ${imageBuildMs} ms`})`);
      await onboardBundled(lab);
      const ids = new Set<string>();
      const res = await cycles(lab, ids, TWO_SITE_NSD_ID, `bench-docker-${interDomain}`, twoSitePlacement(lab));
      const left = await leftovers(lab, ids);
      if (left.count > 0) say(`   leftovers: ${left.what.join(', ')}`);
      res.leftovers = left.count;
      report(`two-domain, ${interDomain}`, res);
      return res;
    }, { interDomain });
    dockerTwo = await dockerCase('patch');
    dockerVxlan = await dockerCase('vxlan');
  }

  const { stdout: load } = await run('uptime');
  say(`   load: ${load.trim()}`);
  const out = {
    reps: REPS,
    netns_two_domain_s: secs(median(netns.two.instantiate)),
    netns_two_domain_terminate_s: secs(median(netns.two.terminate)),
    local_two_domain_s: secs(median(local.instantiate)),
    local_two_domain_terminate_s: secs(median(local.terminate)),
    docker_two_domain_s: dockerTwo ? secs(median(dockerTwo.instantiate)) : null,
    docker_two_domain_terminate_s: dockerTwo ? secs(median(dockerTwo.terminate)) : null,
    docker_vxlan_two_domain_s: dockerVxlan ? secs(median(dockerVxlan.instantiate)) : null,
    docker_vxlan_two_domain_terminate_s: dockerVxlan ? secs(median(dockerVxlan.terminate)) : null,
    docker_router_image_build_ms: dockerTwo ? (imageCached ? 0 : Math.round(imageBuildMs)) : null,
    netns_ten_site_mesh_s: secs(median(mesh.instantiate)),
    netns_ten_site_mesh_terminate_s: secs(median(mesh.terminate)),
    mesh_sites: SITES,
    mesh_tunnels: (SITES * (SITES - 1)) / 2,
    netns_concurrent_two_site_ns: Math.floor(SITES / 2),
    netns_concurrent_two_site_s: secs(median(netns.conc.instantiate)),
    netns_concurrent_two_site_terminate_s: secs(median(netns.conc.terminate)),
    terminate_leftovers: netns.two.leftovers + local.leftovers + mesh.leftovers + (dockerTwo?.leftovers ?? 0) + (dockerVxlan?.leftovers ?? 0),
    target_netns_two_domain_s: 3,
    target_docker_two_domain_s: 8,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:instantiate failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
