/**
 * The NFVO's command line, in the spirit of osmclient:
 *   qnfv login [--url URL] [--user U] [--password P]     (or QNFV_PASSWORD, or asked on the terminal)
 *   qnfv logout
 *   qnfv nsd create FILE | list | show ID | delete ID
 *   qnfv vnfpkg create FILE | list | show ID | delete ID
 *   qnfv ns create --nsd NSD --name NAME [--description D]
 *   qnfv ns instantiate ID --vim MEMBER=VIM ... [--vim-default VIM] [--flavour F] [--vnf-params MEMBER=JSON ...] [--wait]
 *   qnfv ns list | show ID | terminate ID [--wait] | delete ID
 *   qnfv ns scale ID [--add SITE=VIM ...] [--remove SITE ...] [--vnf-params SITE=JSON ...] [--wait]
 *   qnfv ns action ID --primitive rekey|ping|show-ipsec [--params JSON] [--vnf MEMBER] [--wait]
 *   qnfv op list [--ns ID] | show ID | wait ID
 *   qnfv vim create --name N --type netns|docker|local --vca HOST:PORT --vca-user U
 *                   --vca-fingerprint SHA256:... --hm-uuid UUID [--qkd-kme URL] [--description D] | list | delete ID
 * Every command takes --url and --json. Tables by default; errors print the
 * ProblemDetails `detail` and each listed problem.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { NfvoApiError, NfvoClient } from '../../nfvo/client/index.js';
import type { NsInstance, NsLcmOpOcc, NsdInfo, VimAccount, VnfPkgInfo } from '../../nfvo/model.js';
import { ValidationError, errorMessage } from '../../common/index.js';
import { clearSession, loadSession, saveSession } from './session.js';
import { details, progressBar, table } from './table.js';
import { CLI_USAGE } from './usage.js';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** True when stdout is a terminal (progress redraws in place). */
  tty: boolean;
}

const OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  user: { type: 'string' },
  password: { type: 'string' },
  nsd: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  vim: { type: 'string', multiple: true },
  'vim-default': { type: 'string' },
  flavour: { type: 'string' },
  wait: { type: 'boolean' },
  ns: { type: 'string' },
  type: { type: 'string' },
  vca: { type: 'string' },
  'vca-user': { type: 'string' },
  'vca-fingerprint': { type: 'string' },
  'hm-uuid': { type: 'string' },
  'qkd-kme': { type: 'string' },
  primitive: { type: 'string' },
  params: { type: 'string' },
  vnf: { type: 'string' },
  'vnf-params': { type: 'string', multiple: true },
  add: { type: 'string', multiple: true },
  remove: { type: 'string', multiple: true },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === '') throw new ValidationError(`missing ${what}`);
  return v;
}

const contentTypeOf = (file: string): string =>
  /\.(tar\.gz|tgz)$/.test(file) ? 'application/gzip' : /\.(zip|csar)$/.test(file) ? 'application/zip' : 'application/yaml';

/** Run one CLI command; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let flags: Flags;
  let pos: string[];
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    flags = parsed.values;
    pos = parsed.positionals;
  } catch (err) {
    io.err(`qnfv: ${errorMessage(err)}\n${CLI_USAGE}`);
    return 2;
  }
  const session = await loadSession(io.env, flags.url);
  const api = new NfvoClient(session.url, session.token);
  const print = (value: unknown, render: () => string) => io.out(flags.json ? JSON.stringify(value, null, 2) : render());
  const [group, verb, arg] = pos;
  try {
    switch (`${group} ${verb ?? ''}`.trim()) {
      case 'login': {
        const username = flags.user ?? io.env.QNFV_USER ?? 'admin';
        const password = flags.password ?? io.env.QNFV_PASSWORD ?? (await ask(`password for ${username}@${session.url}: `));
        const t = await api.login(username, password);
        const file = await saveSession(io.env, { url: session.url, token: t.id, username, expires: t.expires });
        print({ username, role: t.role, expires: t.expires, session: file }, () => `logged in to ${session.url} as ${username} (${t.role}) until ${new Date(t.expires * 1000).toISOString()}; session in ${file}`);
        return 0;
      }
      case 'logout': {
        if (session.token) await api.request('DELETE', '/admin/v1/tokens').catch(() => undefined);
        await clearSession(io.env);
        print({ loggedOut: true }, () => 'logged out');
        return 0;
      }
      case 'nsd create':
      case 'vnfpkg create': {
        const file = need(verb === 'create' ? arg : undefined, 'FILE (descriptor YAML, OSM .tar.gz or SOL004 CSAR)');
        const path = group === 'nsd' ? '/nsd/v1/ns_descriptors_content' : '/vnfpkgm/v1/vnf_packages_content';
        const r = await api.request<{ id: string }>('POST', path, await readFile(file), { contentType: contentTypeOf(file) });
        print(r.body, () => `${r.body.id}  (${basename(file)} onboarded)`);
        return 0;
      }
      case 'nsd list': {
        const list = await api.list<NsdInfo>('/nsd/v1/ns_descriptors');
        print(list, () => table(['ID', 'NSD ID', 'NAME', 'VERSION', 'ONBOARDING', 'OPERATIONAL', 'USAGE'], list.map((n) => [n.id, n.nsdId, n.nsdName, n.nsdVersion, n.nsdOnboardingState, n.nsdOperationalState, n.nsdUsageState])));
        return 0;
      }
      case 'vnfpkg list': {
        const list = await api.list<VnfPkgInfo>('/vnfpkgm/v1/vnf_packages');
        print(list, () => table(['ID', 'VNFD ID', 'PRODUCT', 'VERSION', 'ONBOARDING', 'OPERATIONAL', 'USAGE'], list.map((p) => [p.id, p.vnfdId, p.vnfProductName, p.vnfdVersion, p.onboardingState, p.operationalState, p.usageState])));
        return 0;
      }
      case 'nsd show':
      case 'vnfpkg show':
      case 'ns show':
      case 'op show':
      case 'nsd delete':
      case 'vnfpkg delete':
      case 'ns delete':
      case 'vim delete': {
        const id = need(arg, `the ${group} id`);
        const base = { nsd: '/nsd/v1/ns_descriptors', vnfpkg: '/vnfpkgm/v1/vnf_packages', ns: '/nslcm/v1/ns_instances', op: '/nslcm/v1/ns_lcm_op_occs', vim: '/admin/v1/vim_accounts' }[group as 'nsd'];
        if (verb === 'delete') {
          await api.request('DELETE', `${base}/${encodeURIComponent(id)}`);
          print({ deleted: id }, () => `${id} deleted`);
        } else {
          const rec = await api.get<Record<string, unknown>>(`${base}/${encodeURIComponent(id)}`);
          print(rec, () => details(rec));
        }
        return 0;
      }
      case 'ns create': {
        const body = { nsdId: need(flags.nsd, '--nsd NSD (descriptor id or NsdInfo id)'), nsName: need(flags.name, '--name NAME'), nsDescription: flags.description };
        const ns = (await api.request<NsInstance>('POST', '/nslcm/v1/ns_instances', body)).body;
        print(ns, () => ns.id);
        return 0;
      }
      case 'ns list': {
        const list = await api.list<NsInstance>('/nslcm/v1/ns_instances');
        print(list, () => table(['ID', 'NAME', 'NSD', 'STATE', 'VNFS', 'TUNNELS'], list.map((n) => [n.id, n.nsInstanceName, n.nsdId, n.nsState, n.vnfInstance.length, n.qkdVpn?.tunnels.length ?? 0])));
        return 0;
      }
      case 'ns instantiate': {
        const id = need(arg, 'the NS instance id');
        const vnf = (flags.vim ?? []).map((pair) => {
          const m = /^([^=]+)=(.+)$/.exec(pair);
          if (!m) throw new ValidationError(`--vim takes MEMBER=VIM (a VNF profile id and a VIM account name or id), not '${pair}'`);
          return { 'member-vnf-index': m[1]!, vimAccountId: m[2]! };
        });
        const params = vnfParams(flags['vnf-params']);
        const body = {
          ...(flags.flavour ? { nsFlavourId: flags.flavour } : {}),
          ...(flags['vim-default'] ? { vimAccountId: flags['vim-default'] } : {}),
          ...(vnf.length ? { vnf } : {}),
          ...(params.length ? { additionalParamsForVnf: params } : {}),
        };
        return await task(api, io, flags, `/nslcm/v1/ns_instances/${encodeURIComponent(id)}/instantiate`, body);
      }
      case 'ns scale': {
        const id = need(arg, 'the NS instance id');
        const add = (flags.add ?? []).map((pair) => {
          const m = /^([^=]+)=(.+)$/.exec(pair);
          if (!m) throw new ValidationError(`--add takes SITE=VIM (an optional VNF profile id and a VIM account name or id), not '${pair}'`);
          return { site: m[1]!, vim: m[2]! };
        });
        if (add.length === 0 && (flags.remove ?? []).length === 0) throw new ValidationError('missing --add SITE=VIM or --remove SITE: name a site to add or remove');
        const params = vnfParams(flags['vnf-params']);
        const scaleNsData = {
          ...(add.length ? { vnfInstanceToBeAdded: add.map((a) => ({ vnfProfileId: a.site })), locationConstraints: add.map((a) => ({ vnfProfileId: a.site, locationConstraints: { vimId: a.vim } })) } : {}),
          ...(flags.remove?.length ? { vnfInstanceToBeRemoved: flags.remove } : {}),
          ...(params.length ? { additionalParamsForVnf: params } : {}),
        };
        return await task(api, io, flags, `/nslcm/v1/ns_instances/${encodeURIComponent(id)}/scale`, { scaleType: 'SCALE_NS', scaleNsData });
      }
      case 'ns action': {
        const id = need(arg, 'the NS instance id');
        let params: unknown;
        try {
          params = flags.params ? JSON.parse(flags.params) : undefined;
        } catch {
          throw new ValidationError(`--params must be a JSON object, not '${flags.params}'`);
        }
        const body = { primitive: need(flags.primitive, '--primitive NAME (e.g. rekey)'), ...(params ? { primitive_params: params } : {}), ...(flags.vnf ? { member_vnf_index: flags.vnf } : {}) };
        return await task(api, io, flags, `/nslcm/v1/ns_instances/${encodeURIComponent(id)}/action`, body);
      }
      case 'ns terminate':
        return await task(api, io, flags, `/nslcm/v1/ns_instances/${encodeURIComponent(need(arg, 'the NS instance id'))}/terminate`, {});
      case 'op list': {
        const list = await api.list<NsLcmOpOcc>(`/nslcm/v1/ns_lcm_op_occs${flags.ns ? `?nsInstanceId=${encodeURIComponent(flags.ns)}` : ''}`);
        print(list, () => table(['ID', 'NS INSTANCE', 'TYPE', 'STATE', 'STAGE', 'STARTED', 'DETAIL'], list.map((o) => [o.id, o.nsInstanceId, o.lcmOperationType, o.operationState, o.progress.stage, o.startTime, o.error?.detail ?? o.progress.detail])));
        return 0;
      }
      case 'op wait':
        return await follow(api, io, flags, `/nslcm/v1/ns_lcm_op_occs/${encodeURIComponent(need(arg, 'the operation id'))}`);
      case 'vim create': {
        const vca = /^(.+):(\d+)$/.exec(need(flags.vca, '--vca HOST:PORT'));
        if (!vca) throw new ValidationError(`--vca takes HOST:PORT, not '${flags.vca}'`);
        const body = {
          name: need(flags.name, '--name NAME'),
          vimType: need(flags.type, '--type netns|docker|local'),
          ...(flags.description ? { description: flags.description } : {}),
          vca: { host: vca[1]!, port: Number(vca[2]), username: flags['vca-user'] ?? 'nfvo', hostKeyFingerprint: need(flags['vca-fingerprint'], '--vca-fingerprint SHA256:...') },
          hybridNodeUuid: need(flags['hm-uuid'], '--hm-uuid UUID'),
          ...(flags['qkd-kme'] ? { qkdNode: { kme014Url: flags['qkd-kme'] } } : {}),
        };
        const a = (await api.request<VimAccount>('POST', '/admin/v1/vim_accounts', body)).body;
        print(a, () => a.id);
        return 0;
      }
      case 'vim list': {
        const list = await api.list<VimAccount>('/admin/v1/vim_accounts');
        print(list, () => table(['ID', 'NAME', 'TYPE', 'VCA', 'HM NODE'], list.map((a) => [a.id, a.name, a.vimType, `${a.vca.username}@${a.vca.host}:${a.vca.port}`, a.hybridNodeUuid])));
        return 0;
      }
      default:
        io.err(`qnfv: unknown command '${pos.join(' ')}'\n${CLI_USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof NfvoApiError) {
      io.err(`qnfv: ${err.problem.detail} (HTTP ${err.status})`);
      for (const p of err.problem.problems ?? []) io.err(`  ${p.path}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`);
      if (err.status === 401) io.err('  log in with: qnfv login --url URL --user NAME');
      return 1;
    }
    if (err instanceof ValidationError) {
      io.err(`qnfv: ${err.message}\n${CLI_USAGE}`);
      return 2;
    }
    io.err(`qnfv: ${errorMessage(err)}`);
    return 1;
  }
}

/** POST a task resource; with --wait follow the operation, else print its id. */
async function task(api: NfvoClient, io: CliIo, flags: Flags, path: string, body: unknown): Promise<number> {
  const location = await api.postForLocation(path, body);
  if (flags.wait) return follow(api, io, flags, location);
  const id = location.split('/').pop()!;
  io.out(flags.json ? JSON.stringify({ id, location }) : id);
  return 0;
}

/** `--vnf-params MEMBER=JSON` (repeatable): each VNF's additionalParams for its day-1 primitives. */
function vnfParams(pairs: string[] | undefined): { vnfProfileId: string; additionalParams: Record<string, unknown> }[] {
  return (pairs ?? []).map((pair) => {
    const m = /^([^=]+)=(.+)$/s.exec(pair);
    let params: unknown;
    try {
      params = m ? JSON.parse(m[2]!) : undefined;
    } catch {
      params = undefined;
    }
    if (!m || typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new ValidationError(`--vnf-params takes MEMBER={JSON object} (e.g. site-a='{"underlay_peer":"203.0.113.2"}'), not '${pair}'`);
    }
    return { vnfProfileId: m[1]!, additionalParams: params as Record<string, unknown> };
  });
}

/** Follow an operation to its end with a progress bar; exit code 0 only when COMPLETED. */
async function follow(api: NfvoClient, io: CliIo, flags: Flags, location: string): Promise<number> {
  let drawn = false;
  const op = await api.waitOp(location, {
    onProgress: (o) => {
      if (flags.json) return;
      const line = `${progressBar(o.progress.stage)} ${o.operationState} ${o.progress.detail}`;
      if (io.tty) {
        process.stdout.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else io.out(line);
    },
  });
  if (drawn) process.stdout.write('\n');
  if (flags.json) io.out(JSON.stringify(op, null, 2));
  else {
    io.out(`${op.lcmOperationType} ${op.operationState}${op.error ? `: ${op.error.detail}` : ''} (operation ${op.id})`);
    if (op.actionResult) io.out(op.actionResult.output);
  }
  return op.operationState === 'COMPLETED' ? 0 : 1;
}

/** Ask for a password on the terminal without echoing it. */
async function ask(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new ValidationError('no password: give --password, set QNFV_PASSWORD, or run on a terminal');
  process.stdout.write(prompt);
  // Keystrokes go to a sink, not the screen.
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stdout.write('\n');
  }
}
