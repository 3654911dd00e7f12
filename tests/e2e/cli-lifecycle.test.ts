/**
 * The NFVO's command line end to end: `qnfv nfvo` runs as a child process
 * against the two-domain lab's VCAs, and every step of an NS's life goes
 * through `qnfv` commands (compiled, in child processes, as an operator
 * types them; QNFV_URL names the NFVO, QNFV_CONFIG_DIR keeps the session):
 * login, register both domains, onboard the bundled packages, create,
 * instantiate (--wait), inspect, terminate (--wait) and delete everything,
 * logout. Checks exit codes and what each command prints, the errors
 * included: ProblemDetails `detail` and exit 1 from the NFVO, exit 2 for a
 * malformed command. Needs root and iproute2 (the lab) and `npm run build`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DomainLab } from '../../bin/lab/index.js';
import { bundledPackagePaths } from '../../nsd/index.js';
import { configureLogging } from '../../common/index.js';
import { NfvoClient } from '../../nfvo/client/index.js';
import type { NsInstance, NsLcmOpOcc, ProblemDetails, VimAccount } from '../../nfvo/index.js';
import { PROJECT_ROOT, QNFV_BIN, prepareNfvoDataDir, startNfvoProcess, type NfvoProcess } from './nfvo-process.js';

const ADMIN = { username: 'admin', password: `pw-${randomBytes(12).toString('hex')}` };
const NSD_ID = 'qnfv-qkd-vpn-ns';
/** Each CLI command is a Node process start (about 0.3 s idle, several seconds on a loaded host). */
const STEP_MS = 120_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let lab: DomainLab;
let labDataDir: string;
let nfvoDir: string;
let configDir: string;
let nfvo: NfvoProcess;
const ids: { vims: string[]; vnfPkg?: string; nsd?: string; ns?: string } = { vims: [] };

interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Run `qnfv ARGS` against the child NFVO with the test's config dir; never throws on a non-zero exit. */
function qnfv(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [QNFV_BIN, ...args], {
      cwd: PROJECT_ROOT,
      // No credentials or other NFVO from this process's environment; only the session the test makes.
      env: { ...process.env, QNFV_URL: nfvo.url, QNFV_CONFIG_DIR: configDir, QNFV_TOKEN: undefined, QNFV_PASSWORD: undefined, QNFV_USER: undefined, QNFV_LOG: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

/** Expect exit 0 (showing the output when not) and return stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await qnfv(...args);
  expect({ args: args.join(' '), code: r.code, err: r.err }).toEqual({ args: args.join(' '), code: 0, err: '' });
  return r.out;
}

/** The table row (split on blanks) whose first cell is `id`. */
function row(table: string, id: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`${id} `));
  if (!line) throw new Error(`no row for ${id} in:\n${table}`);
  return line.trim().split(/\s+/);
}

beforeAll(async () => {
  configureLogging({ console: false });
  labDataDir = await mkdtemp(join(tmpdir(), 'qnfv-cli-lab-'));
  const installationId = `t${randomBytes(8).toString('hex')}`;
  lab = await DomainLab.start({ dataDir: labDataDir, installationId });
  nfvoDir = await mkdtemp(join(tmpdir(), 'qnfv-cli-nfvo-'));
  configDir = await mkdtemp(join(tmpdir(), 'qnfv-cli-config-'));
  await prepareNfvoDataDir(nfvoDir, lab, labDataDir, installationId);
  nfvo = await startNfvoProcess({ dataDir: nfvoDir, env: { QNFV_ADMIN_USER: ADMIN.username, QNFV_ADMIN_PASSWORD: ADMIN.password, REDIS_URL: undefined } });
}, 150_000);

afterAll(async () => {
  // Best effort for a failed run: the instance terminated, its leftovers removed.
  if (nfvo && ids.ns) {
    try {
      const api = new NfvoClient(nfvo.url);
      await api.login(ADMIN.username, ADMIN.password);
      const ns = await api.get<NsInstance>(`/nslcm/v1/ns_instances/${ids.ns}`);
      if (ns.nsState === 'INSTANTIATED') await api.waitOp(await api.postForLocation(`/nslcm/v1/ns_instances/${ids.ns}/terminate`), { timeoutMs: 60_000 });
    } catch {
      // removed below anyway
    }
  }
  await nfvo?.stop();
  if (ids.ns) for (const d of lab?.domains ?? []) await d.vim.removeInstance(ids.ns).catch(() => undefined);
  await lab?.stop();
  for (const dir of [labDataDir, nfvoDir, configDir]) if (dir) await rm(dir, { recursive: true, force: true });
}, 150_000);

describe('qnfv command line, full NS lifecycle against a running NFVO', () => {
  it('refuses a command before login with the NFVO\'s ProblemDetails detail, exit 1', async () => {
    const problem = (await (await fetch(`${nfvo.url}/admin/v1/vim_accounts`)).json()) as ProblemDetails;
    expect(problem.status).toBe(401);
    const r = await qnfv('vim', 'list');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`qnfv: ${problem.detail} (HTTP 401)`);
    expect(r.err).toContain('log in with: qnfv login');
  }, STEP_MS);

  it('refuses a wrong password (exit 1), then logs in and saves the session (0600)', async () => {
    const bad = await qnfv('login', '--user', ADMIN.username, '--password', 'not-the-password');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^qnfv: .+ \(HTTP 401\)/);

    const out = await ok('login', '--user', ADMIN.username, '--password', ADMIN.password);
    expect(out).toContain(`logged in to ${nfvo.url} as ${ADMIN.username} (admin)`);
    expect(out).toContain(join(configDir, 'session.json'));
    expect((await stat(join(configDir, 'session.json'))).mode & 0o777).toBe(0o600);
  }, STEP_MS);

  it('registers both domains (vim create) and lists them (vim list)', async () => {
    for (const d of lab.domains) {
      const a = d.account!;
      const out = await ok(
        'vim', 'create',
        '--name', a.name,
        '--type', 'netns',
        '--vca', `${a.vca.host}:${a.vca.port}`,
        '--vca-user', a.vca.username,
        '--vca-fingerprint', a.vca.hostKeyFingerprint,
        '--hm-uuid', a.hybridNodeUuid,
      );
      expect(out.trim()).toMatch(UUID);
      ids.vims.push(out.trim());
    }
    const list = await ok('vim', 'list');
    expect(list.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE\s+VCA\s+HM NODE/);
    lab.domains.forEach((d, i) => {
      const a = d.account!;
      expect(row(list, ids.vims[i]!)).toEqual([ids.vims[i], a.name, 'netns', `${a.vca.username}@${a.vca.host}:${a.vca.port}`, a.hybridNodeUuid]);
    });
    const json = JSON.parse(await ok('vim', 'list', '--json')) as VimAccount[];
    expect(json.map((a) => a.id).sort()).toEqual([...ids.vims].sort());
  }, STEP_MS);

  it('onboards the bundled VNF package and NSD (vnfpkg create, nsd create, nsd list)', async () => {
    const paths = bundledPackagePaths();
    const vnf = await ok('vnfpkg', 'create', join(paths.routerVnf, 'qnfv_router_vnfd.yaml'));
    expect(vnf.trim()).toMatch(/^\S+ {2}\(qnfv_router_vnfd\.yaml onboarded\)$/);
    ids.vnfPkg = vnf.trim().split(' ')[0];
    const nsd = await ok('nsd', 'create', join(paths.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'));
    expect(nsd.trim()).toMatch(/^\S+ {2}\(qnfv_qkd_vpn_nsd\.yaml onboarded\)$/);
    ids.nsd = nsd.trim().split(' ')[0];

    const list = await ok('nsd', 'list');
    const r = row(list, ids.nsd!);
    expect(r[1]).toBe(NSD_ID);
    expect(r).toContain('ONBOARDED');
    expect(r).toContain('ENABLED');
    expect(row(await ok('vnfpkg', 'list'), ids.vnfPkg!)).toContain('ONBOARDED');
  }, STEP_MS);

  it('creates an NS; instantiate with a malformed --vim exits 2 without calling the NFVO', async () => {
    const out = await ok('ns', 'create', '--nsd', NSD_ID, '--name', 'cli-vpn');
    expect(out.trim()).toMatch(UUID);
    ids.ns = out.trim();

    const bad = await qnfv('ns', 'instantiate', ids.ns, '--vim', 'site-a', '--vim', `site-b=${lab.domains[1].name}`, '--wait');
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err).toContain("qnfv: --vim takes MEMBER=VIM (a VNF profile id and a VIM account name or id), not 'site-a'");
    expect(bad.err).toContain('qnfv ns instantiate ID --vim MEMBER=VIM'); // the usage follows
    // Nothing was started.
    expect(JSON.parse(await ok('op', 'list', '--ns', ids.ns, '--json'))).toEqual([]);
  }, STEP_MS);

  it('instantiates across both domains with --wait (exit 0, COMPLETED)', async () => {
    const out = await ok('ns', 'instantiate', ids.ns!, '--vim', `site-a=${lab.domains[0].name}`, '--vim', `site-b=${lab.domains[1].name}`, '--wait');
    const lines = out.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^INSTANTIATE COMPLETED \(operation [0-9a-f-]{36}\)$/);
    // Progress lines (not a terminal: one line per change), up to the last stage.
    expect(lines.some((l) => l.includes('] 3/6 PROCESSING deploying routers, networks and site hosts in'))).toBe(true);
    expect(lines.some((l) => l.startsWith('[####################] 6/6'))).toBe(true);
  }, 300_000);

  it('shows the instantiated NS: ns list, ns show --json, op list --ns', async () => {
    const list = await ok('ns', 'list');
    expect(list.split('\n')[0]).toMatch(/^ID\s+NAME\s+NSD\s+STATE\s+VNFS\s+TUNNELS$/);
    expect(row(list, ids.ns!)).toEqual([ids.ns, 'cli-vpn', NSD_ID, 'INSTANTIATED', '2', '1']);

    const ns = JSON.parse(await ok('ns', 'show', ids.ns!, '--json')) as NsInstance;
    expect(ns.id).toBe(ids.ns);
    expect(ns.nsState).toBe('INSTANTIATED');
    expect(ns.qkdVpn?.tunnels).toHaveLength(1);
    expect(ns.vnfInstance.map((v) => [v.vnfProfileId, v.vimId])).toEqual([
      ['site-a', ids.vims[0]],
      ['site-b', ids.vims[1]],
    ]);
    const shown = await ok('ns', 'show', ids.ns!);
    expect(shown).toMatch(/^nsState\s+INSTANTIATED$/m);

    const ops = await ok('op', 'list', '--ns', ids.ns!);
    const opLines = ops.trim().split('\n').slice(2);
    expect(opLines).toHaveLength(1);
    const r = opLines[0]!.trim().split(/\s+/);
    expect(r.slice(1, 5)).toEqual([ids.ns, 'INSTANTIATE', 'COMPLETED', '6/6']);
    const op = JSON.parse(await ok('op', 'show', r[0]!, '--json')) as NsLcmOpOcc;
    expect(op.operationState).toBe('COMPLETED');
  }, STEP_MS);

  it('runs a VNF primitive (ns action --vnf --wait prints its output); ns scale shapes the request and shows the refusal', async () => {
    const out = await ok('ns', 'action', ids.ns!, '--primitive', 'ping', '--vnf', 'site-a', '--params', '{"destination":"203.0.113.2","count":2}', '--wait');
    expect(out).toMatch(/^ACTION COMPLETED \(operation [0-9a-f-]{36}\)$/m);
    expect(out).toMatch(/2 packets transmitted, 2 received/);
    // Site A of the two-site NSD is mandatory: the NFVO's problem comes back, exit 1.
    const refused = await qnfv('ns', 'scale', ids.ns!, '--remove', 'site-a');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('min-number-of-instances 1');
    const malformed = await qnfv('ns', 'scale', ids.ns!, '--add', 'site-c');
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('--add takes SITE=VIM');
  }, STEP_MS);

  it('terminates with --wait and deletes the instance; nothing is left in either domain', async () => {
    const out = await ok('ns', 'terminate', ids.ns!, '--wait');
    expect(out.trim().split('\n').at(-1)).toMatch(/^TERMINATE COMPLETED \(operation [0-9a-f-]{36}\)$/);
    for (const d of lab.domains) expect(await d.vim.listResources({ instanceId: ids.ns! })).toEqual([]);
    expect(row(await ok('ns', 'list'), ids.ns!)[3]).toBe('NOT_INSTANTIATED');

    expect((await ok('ns', 'delete', ids.ns!)).trim()).toBe(`${ids.ns} deleted`);
    // Gone: the NFVO's 404 detail, exit 1.
    const gone = await qnfv('ns', 'show', ids.ns!);
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('(HTTP 404)');
  }, 300_000);

  it('deletes the NSD, the VNF package and both VIM accounts', async () => {
    expect((await ok('nsd', 'delete', ids.nsd!)).trim()).toBe(`${ids.nsd} deleted`);
    expect((await ok('vnfpkg', 'delete', ids.vnfPkg!)).trim()).toBe(`${ids.vnfPkg} deleted`);
    for (const id of ids.vims) expect((await ok('vim', 'delete', id)).trim()).toBe(`${id} deleted`);
    expect(JSON.parse(await ok('nsd', 'list', '--json'))).toEqual([]);
    expect(JSON.parse(await ok('vnfpkg', 'list', '--json'))).toEqual([]);
    expect(JSON.parse(await ok('vim', 'list', '--json'))).toEqual([]);
    expect(JSON.parse(await ok('ns', 'list', '--json'))).toEqual([]);
  }, STEP_MS);

  it('logs out: the session file is gone and the token revoked', async () => {
    const token = (JSON.parse(await readFile(join(configDir, 'session.json'), 'utf8')) as { token?: string }).token;
    expect(token).toBeDefined();
    expect((await ok('logout')).trim()).toBe('logged out');
    await expect(stat(join(configDir, 'session.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    const res = await fetch(`${nfvo.url}/admin/v1/vim_accounts`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    const after = await qnfv('vim', 'list');
    expect(after.code).toBe(1);
    expect(after.err).toContain('(HTTP 401)');
  }, STEP_MS);
});
