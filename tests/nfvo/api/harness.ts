/**
 * An NFVO for API tests: NfvoServer with a FileStore in a temporary data
 * directory and the fake VCAs, driven through hapi's `server.inject` (no
 * sockets). Helpers onboard the bundled packages, register two domains and
 * wait for LCM operations.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '../../../common/index.js';
import { bundledPackagePaths } from '../../../nsd/index.js';
import { NfvoServer, type NfvoOptions, type NsInstance, type NsLcmOpOcc, type VimAccount } from '../../../nfvo/index.js';
import { FakeDomainConnector } from '../lcm/fake-domain-connector.js';

configureLogging({ console: false });

/** The first admin of every test NFVO. */
export const ADMIN = { username: 'admin', password: 'admin-password-1' };

export interface Reply<T = unknown> {
  status: number;
  json: T;
  text: string;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface Harness {
  server: NfvoServer;
  connector: FakeDomainConnector;
  dataDir: string;
  installationId: string;
  /** The admin's bearer token (sent by `req` unless the headers carry an `authorization`; '' sends none). */
  token: string;
  /** Log in as `username` and return the bearer token. */
  login(username: string, password: string): Promise<string>;
  req<T = unknown>(method: string, url: string, payload?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  /** Stop the server (waiting for running operations); keeps the data directory unless `remove`. */
  close(remove?: boolean): Promise<void>;
}

/** A new NFVO on `dataDir` (a fresh temporary directory by default). */
export async function startHarness(
  opts: { dataDir?: string; connector?: FakeDomainConnector; tunnelMaintenance?: NfvoOptions['tunnelMaintenance']; notifications?: NfvoOptions['notifications']; pageSize?: number; loginThrottle?: NfvoOptions['loginThrottle'] } = {},
): Promise<Harness> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'qnfv-nfvo-')));
  const connector = opts.connector ?? new FakeDomainConnector();
  const installationId = 'testinst0001';
  const server = new NfvoServer({ dataDir, installationId, connector, tunnelMaintenance: opts.tunnelMaintenance, notifications: opts.notifications, pageSize: opts.pageSize, loginThrottle: opts.loginThrottle, bootstrapAdmin: ADMIN });
  await server.auth.bootstrapAdmin(ADMIN.username, ADMIN.password);
  const login = async (username: string, password: string): Promise<string> => {
    const res = await server.http.inject({ method: 'POST', url: '/admin/v1/tokens', payload: { username, password } });
    if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.payload}`);
    return (JSON.parse(res.payload) as { id: string }).id;
  };
  const token = await login(ADMIN.username, ADMIN.password);
  return {
    server,
    connector,
    dataDir,
    installationId,
    token,
    login,
    async req<T>(method: string, url: string, payload?: unknown, headers?: Record<string, string>): Promise<Reply<T>> {
      const all: Record<string, string> = { authorization: `Bearer ${token}`, ...headers };
      if (all.authorization === '') delete all.authorization;
      const res = await server.http.inject({ method, url, payload: payload as never, headers: all });
      let json: unknown;
      try {
        json = res.payload ? JSON.parse(res.payload) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, json: json as T, text: res.payload, headers: res.headers };
    },
    async close(remove = true) {
      await server.stop();
      if (remove) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The bundled descriptors' YAML text. */
export async function bundledYaml(): Promise<{ vnfd: string; nsd: string }> {
  const p = bundledPackagePaths();
  return {
    vnfd: await readFile(join(p.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'),
    nsd: await readFile(join(p.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'), 'utf8'),
  };
}

const YAML = { 'content-type': 'application/yaml' };

/** Onboard the bundled router VNF and QKD VPN NS with OSM's one-shot uploads; returns their record ids. */
export async function onboardBundled(h: Harness): Promise<{ vnfPkgId: string; nsdInfoId: string }> {
  const y = await bundledYaml();
  const v = await h.req<{ id: string }>('POST', '/vnfpkgm/v1/vnf_packages_content', y.vnfd, YAML);
  if (v.status !== 201) throw new Error(`VNF onboarding: ${v.status} ${v.text}`);
  const n = await h.req<{ id: string }>('POST', '/nsd/v1/ns_descriptors_content', y.nsd, YAML);
  if (n.status !== 201) throw new Error(`NSD onboarding: ${n.status} ${n.text}`);
  return { vnfPkgId: v.json.id, nsdInfoId: n.json.id };
}

/** A VIM account body for domain `name`. */
export function accountBody(name: string, uuidDigit = '1'): Omit<VimAccount, 'id'> {
  return {
    name,
    vimType: 'local',
    description: `test domain ${name}`,
    vca: { host: '127.0.0.1', port: 2222, username: 'nfvo', hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` },
    hybridNodeUuid: `${uuidDigit.repeat(8)}-${uuidDigit.repeat(4)}-4${uuidDigit.repeat(3)}-8${uuidDigit.repeat(3)}-${uuidDigit.repeat(12)}`,
  };
}

/** Register domains `dom-a` and `dom-b`. */
export async function registerDomains(h: Harness): Promise<{ a: VimAccount; b: VimAccount }> {
  const a = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody('dom-a', 'a'));
  const b = await h.req<VimAccount>('POST', '/admin/v1/vim_accounts', accountBody('dom-b', 'b'));
  if (a.status !== 201 || b.status !== 201) throw new Error(`VIM accounts: ${a.text} ${b.text}`);
  return { a: a.json, b: b.json };
}

/** POST /ns_instances for the bundled NSD. */
export async function createNs(h: Harness, name = 'vpn'): Promise<NsInstance> {
  const r = await h.req<NsInstance>('POST', '/nslcm/v1/ns_instances', { nsdId: 'qnfv-qkd-vpn-ns', nsName: name });
  if (r.status !== 201) throw new Error(`create NS: ${r.status} ${r.text}`);
  return r.json;
}

/** The usual two-domain placement: site-a in dom-a, site-b in dom-b. */
export const TWO_DOMAINS = {
  vnf: [
    { 'member-vnf-index': 'site-a', vimAccountId: 'dom-a' },
    { 'member-vnf-index': 'site-b', vimAccountId: 'dom-b' },
  ],
};

/** Wait for the operation at `location` to reach a final state and return it. */
export async function waitOp(h: Harness, location: string): Promise<NsLcmOpOcc> {
  for (let i = 0; i < 500; i++) {
    const op = (await h.req<NsLcmOpOcc>('GET', location)).json;
    if (op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK') return op;
    await h.server.lcm.settle(op.nsInstanceId);
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`operation ${location} did not end`);
}

/** Instantiate `nsId` with `body` and wait for the operation. */
export async function instantiateAndWait(h: Harness, nsId: string, body: unknown = TWO_DOMAINS): Promise<NsLcmOpOcc> {
  const r = await h.req('POST', `/nslcm/v1/ns_instances/${nsId}/instantiate`, body);
  if (r.status !== 202) throw new Error(`instantiate: ${r.status} ${r.text}`);
  return waitOp(h, String(r.headers.location));
}
