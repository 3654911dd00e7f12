/**
 * Crash recovery of the NFVO process, end to end, with each store (files and
 * Redis): `qnfv nfvo` runs as a child process against the two-domain lab's
 * VCAs and is killed with SIGKILL while an instantiation deploys routers
 * (stage 3/6). Started again on the same data directory / Redis, it must
 * report the occurrence FAILED_TEMP naming the stage, still hold the whole
 * catalog, and then
 *  (a) roll the occurrence back: ROLLED_BACK, the instance NOT_INSTANTIATED,
 *      nothing of it left in either domain;
 *  (b) after a second crash at the same stage, retry it: the same occurrence
 *      COMPLETED, the NS INSTANTIATED with its tunnel; terminate leaves
 *      nothing in either domain.
 * Needs root and iproute2 (the lab), redis-server, and `npm run build`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DomainLab } from '../../bin/lab/index.js';
import { bundledPackagePaths } from '../../nsd/index.js';
import { configureLogging } from '../../common/index.js';
import { NfvoClient } from '../../nfvo/client/index.js';
import type { NsInstance, NsLcmOpOcc, NsdInfo, VimAccount, VnfPkgInfo } from '../../nfvo/index.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { prepareNfvoDataDir, startNfvoProcess, type NfvoProcess } from './nfvo-process.js';

const ADMIN = { username: 'admin', password: `pw-${randomBytes(12).toString('hex')}` };
const NSD_ID = 'qnfv-qkd-vpn-ns';
const STAGE_3 = 'stage 3/6 (deploying routers, networks and site hosts in ';

let lab: DomainLab;
let labDataDir: string;
let installationId: string;

beforeAll(async () => {
  configureLogging({ console: false });
  labDataDir = await mkdtemp(join(tmpdir(), 'qnfv-crash-lab-'));
  installationId = `t${randomBytes(8).toString('hex')}`;
  lab = await DomainLab.start({ dataDir: labDataDir, installationId });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (labDataDir) await rm(labDataDir, { recursive: true, force: true });
}, 120_000);

/** What is left of an instance in each of the lab's domains (resource names). */
async function leftovers(instanceId: string): Promise<string[][]> {
  return Promise.all(lab.domains.map(async (d) => (await d.vim.listResources({ instanceId })).map((r) => `${r.kind} ${r.name}`)));
}

describe.each(['file', 'redis'] as const)('NFVO crash recovery (%s store)', (store) => {
  let redis: RedisServer | undefined;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let nfvo: NfvoProcess | undefined;
  let api: NfvoClient;
  let vnfPkgId: string;
  let nsdInfoId: string;
  let nsId: string;

  /** (Re)start the child NFVO on the same data directory / Redis and log in to it. */
  async function startNfvo(): Promise<void> {
    nfvo = await startNfvoProcess({ dataDir, env });
    api = new NfvoClient(nfvo.url);
    await api.login(ADMIN.username, ADMIN.password);
  }

  /**
   * Instantiate the NS and SIGKILL the NFVO as soon as its occurrence reports
   * stage 3/6; restart it. Resolves to the occurrence id. Fails when the
   * operation ends (or passes stage 3) before the kill could land.
   */
  async function instantiateAndCrash(): Promise<string> {
    const placement = { vnf: lab.domains.map((d, i) => ({ 'member-vnf-index': i === 0 ? 'site-a' : 'site-b', vimAccountId: d.name })) };
    const location = await api.postForLocation(`/nslcm/v1/ns_instances/${nsId}/instantiate`, placement);
    const seen: string[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const op = await api.get<NsLcmOpOcc>(location);
      if (seen.at(-1) !== op.progress.stage) seen.push(op.progress.stage);
      if (op.progress.stage.startsWith('3/')) {
        await nfvo!.kill('SIGKILL');
        break;
      }
      if (op.operationState !== 'PROCESSING') {
        throw new Error(`the instantiation ended ${op.operationState} (stages seen: ${seen.join(', ')}) before the NFVO could be killed in stage 3/6: ${op.error?.detail ?? ''}`);
      }
      if (/^[4-6]\//.test(op.progress.stage)) throw new Error(`polling missed stage 3/6 (stages seen: ${seen.join(', ')}): cannot crash the NFVO during deployment`);
      if (Date.now() > deadline) throw new Error(`the instantiation did not reach stage 3/6 within 60 s (stages seen: ${seen.join(', ')})`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const opId = location.split('/').pop()!;
    await startNfvo();
    const op = await api.get<NsLcmOpOcc>(`/nslcm/v1/ns_lcm_op_occs/${opId}`);
    if (op.operationState === 'COMPLETED') throw new Error('race: the instantiation COMPLETED before SIGKILL landed, nothing was interrupted');
    expect(op.operationState).toBe('FAILED_TEMP');
    // The kill landed in stage 3 (not after the operation moved on to key synchronisation).
    expect(op.error?.detail).toContain(STAGE_3);
    return opId;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `qnfv-crash-${store}-`));
    await prepareNfvoDataDir(dataDir, lab, labDataDir, installationId);
    if (store === 'redis') redis = await startRedisServer();
    // REDIS_URL undefined (file store) also hides one this process may have from the child.
    env = { QNFV_ADMIN_USER: ADMIN.username, QNFV_ADMIN_PASSWORD: ADMIN.password, QNFV_LOG_LEVEL: 'info', QNFV_LOG: 'on', REDIS_URL: redis?.url };
    await startNfvo();
    expect(nfvo!.output()).toContain(`(store: ${store === 'redis' ? 'redis' : dataDir})`);

    for (const d of lab.domains) {
      const { id: _omit, ...body } = d.account!;
      expect((await api.request<VimAccount>('POST', '/admin/v1/vim_accounts', body)).status).toBe(201);
    }
    const paths = bundledPackagePaths();
    const vnfd = await readFile(join(paths.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8');
    const nsd = await readFile(join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'), 'utf8');
    vnfPkgId = (await api.request<{ id: string }>('POST', '/vnfpkgm/v1/vnf_packages_content', vnfd, { contentType: 'application/yaml' })).body.id;
    nsdInfoId = (await api.request<{ id: string }>('POST', '/nsd/v1/ns_descriptors_content', nsd, { contentType: 'application/yaml' })).body.id;
    nsId = (await api.request<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: NSD_ID, nsName: `crash-${store}` })).body.id;
  }, 120_000);

  afterAll(async () => {
    // Best effort: an instance a failed test left behind is terminated (or its occurrence rolled back).
    if (nfvo && nfvo.child.exitCode === null && nfvo.child.signalCode === null && nsId) {
      try {
        const ops = await api.get<NsLcmOpOcc[]>(`/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${nsId}`);
        const stuck = ops.find((o) => o.operationState === 'FAILED_TEMP');
        if (stuck) await api.waitOp(await api.postForLocation(`/nslcm/v1/ns_lcm_op_occs/${stuck.id}/rollback`), { timeoutMs: 60_000 });
        const ns = await api.get<NsInstance>(`/nslcm/v1/ns_instances/${nsId}`);
        if (ns.nsState === 'INSTANTIATED') await api.waitOp(await api.postForLocation(`/nslcm/v1/ns_instances/${nsId}/terminate`), { timeoutMs: 60_000 });
      } catch {
        // the domains are cleared below anyway
      }
    }
    await nfvo?.stop();
    if (nsId) for (const d of lab.domains) await d.vim.removeInstance(nsId).catch(() => undefined);
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('a SIGKILL during deployment leaves the occurrence FAILED_TEMP at stage 3/6 and the catalog intact', async () => {
    const opId = await instantiateAndCrash();
    const op = await api.get<NsLcmOpOcc>(`/nslcm/v1/ns_lcm_op_occs/${opId}`);
    expect(op.lcmOperationType).toBe('INSTANTIATE');
    expect(op.nsInstanceId).toBe(nsId);
    expect(op.error?.title).toBe('NFVO restarted');

    // The catalog survived the crash.
    const nsds = await api.get<NsdInfo[]>('/nsd/v1/ns_descriptors');
    expect(nsds.map((n) => [n.id, n.nsdId, n.nsdOnboardingState])).toEqual([[nsdInfoId, NSD_ID, 'ONBOARDED']]);
    const pkg = await api.get<VnfPkgInfo>(`/vnfpkgm/v1/vnf_packages/${vnfPkgId}`);
    expect(pkg.onboardingState).toBe('ONBOARDED');
    const accounts = await api.get<VimAccount[]>('/admin/v1/vim_accounts');
    expect(accounts.map((a) => a.name).sort()).toEqual(lab.domains.map((d) => d.name).sort());
    const ns = await api.get<NsInstance>(`/nslcm/v1/ns_instances/${nsId}`);
    expect(ns.nsInstanceName).toBe(`crash-${store}`);
    expect(ns.nsState).toBe('NOT_INSTANTIATED');
    // A new operation on the instance must wait for the FAILED_TEMP one to be handled.
    await expect(api.request('POST', `/nslcm/v1/ns_instances/${nsId}/instantiate`, { vimAccountId: lab.domains[0].name })).rejects.toMatchObject({ status: 409 });
  }, 180_000);

  it('rollback removes what the interrupted instantiation created: ROLLED_BACK, NOT_INSTANTIATED, nothing left', async () => {
    const [op] = (await api.get<NsLcmOpOcc[]>(`/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${nsId}`)).filter((o) => o.operationState === 'FAILED_TEMP');
    expect(op).toBeDefined();
    const location = await api.postForLocation(`/nslcm/v1/ns_lcm_op_occs/${op!.id}/rollback`);
    expect(location).toBe(`/nslcm/v1/ns_lcm_op_occs/${op!.id}`);
    const done = await api.waitOp(location, { intervalMs: 50, timeoutMs: 90_000 });
    expect(done.error?.detail).toBeUndefined();
    expect(done.operationState).toBe('ROLLED_BACK');
    const ns = await api.get<NsInstance>(`/nslcm/v1/ns_instances/${nsId}`);
    expect(ns.nsState).toBe('NOT_INSTANTIATED');
    expect(ns.vnfInstance).toEqual([]);
    expect(ns.qkdVpn?.domains ?? []).toEqual([]);
    expect(await leftovers(nsId)).toEqual([[], []]);
  }, 180_000);

  it('after a second crash, retry completes the same occurrence; terminate leaves nothing', async () => {
    const opId = await instantiateAndCrash();
    const location = await api.postForLocation(`/nslcm/v1/ns_lcm_op_occs/${opId}/retry`);
    expect(location).toBe(`/nslcm/v1/ns_lcm_op_occs/${opId}`);
    const done = await api.waitOp(location, { intervalMs: 50, timeoutMs: 120_000 });
    expect(done.error?.detail).toBeUndefined();
    expect(done.operationState).toBe('COMPLETED');
    expect(done.id).toBe(opId);

    const ns = await api.get<NsInstance>(`/nslcm/v1/ns_instances/${nsId}`);
    expect(ns.nsState).toBe('INSTANTIATED');
    expect(ns.vnfInstance.map((v) => v.vnfProfileId).sort()).toEqual(['site-a', 'site-b']);
    expect(ns.qkdVpn?.tunnels).toHaveLength(1);
    // Both domains hold the instance's routers now.
    for (const names of await leftovers(nsId)) expect(names.length).toBeGreaterThan(0);

    const term = await api.waitOp(await api.postForLocation(`/nslcm/v1/ns_instances/${nsId}/terminate`), { intervalMs: 50, timeoutMs: 90_000 });
    expect(term.error?.detail).toBeUndefined();
    expect(term.operationState).toBe('COMPLETED');
    expect((await api.get<NsInstance>(`/nslcm/v1/ns_instances/${nsId}`)).nsState).toBe('NOT_INSTANTIATED');
    expect(await leftovers(nsId)).toEqual([[], []]);

    // Every occurrence of the instance, in order: the rolled-back one, the retried one, the terminate.
    const ops = await api.get<NsLcmOpOcc[]>(`/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${nsId}`);
    expect(ops.map((o) => [o.lcmOperationType, o.operationState])).toEqual([
      ['INSTANTIATE', 'ROLLED_BACK'],
      ['INSTANTIATE', 'COMPLETED'],
      ['TERMINATE', 'COMPLETED'],
    ]);
  }, 300_000);
});
