/**
 * Test helper for the real router process (dist/virtual-router/main.js):
 * network namespaces named `qtv-<tag>-<pid>-<hex>`, a management veth from
 * the root namespace (a /30 from 10.254.0.0/16 that no route uses yet),
 * veths between namespaces, day-0 config files with fresh SSH keys, and the
 * router process itself (started with `ip netns exec`, its JSON log lines
 * collected). Callers remove namespaces in afterAll; namespaces left by a
 * killed test process (dead pid in the name) are removed on the next run.
 * Not a test file itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, generateKeyPair, writePrivateKey, type SshKeyPair } from '../../common/ssh/index.js';
import { NetconfClient } from '../../common/netconf/index.js';
import type { LogRecord } from '../../common/index.js';
import { routerMainPath, type RouterConfig } from '../../virtual-router/index.js';
import { run, runOk } from './tun/netns.js';

export { run, runOk };

const NS_RE = /^(qtv-[a-z0-9]+-(\d+)-[0-9a-f]{4})\b/;

/** Create a namespace `qtv-<tag>-<pid>-<hex>` with lo up and IPv6 off (no stray packets into TUNs). */
export async function createNs(tag: string): Promise<string> {
  await removeStaleNs();
  const name = `qtv-${tag}-${process.pid}-${randomBytes(2).toString('hex')}`;
  await runOk(['ip', 'netns', 'add', name]);
  try {
    await runOk(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    await runOk(['ip', 'netns', 'exec', name, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  } catch (err) {
    await deleteNs(name);
    throw err;
  }
  return name;
}

/** Delete namespaces (their interfaces, and the peers of their veths, go with them). Never throws. */
export async function deleteNs(...names: (string | undefined)[]): Promise<void> {
  for (const n of names) if (n !== undefined) await run(['ip', 'netns', 'del', n]);
}

async function removeStaleNs(): Promise<void> {
  const list = await run(['ip', 'netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const m = NS_RE.exec(line);
    if (m !== null && !isAlive(Number(m[2]))) await deleteNs(m[1]);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A management link root ⇄ namespace. */
export interface MgmtLink {
  hostIf: string;
  hostAddress: string;
  routerAddress: string;
}

/** Pick a /30 of 10.254.0.0/16 that no route in the root namespace touches. */
async function freeSlash30(): Promise<[string, string]> {
  const routes = await runOk(['ip', '-4', 'route', 'show', 'table', 'all']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = randomBytes(2).readUInt16BE(0) & 0xfffc;
    const [hi, lo] = [n >> 8, n & 0xff];
    if (lo === 0 && hi === 0) continue;
    const net = `10.254.${hi}.${lo}`;
    if (routes.includes(`${net}/30`) || routes.includes(`10.254.${hi}.${lo + 1} `) || routes.includes(`10.254.${hi}.${lo + 2} `)) continue;
    return [`10.254.${hi}.${lo + 1}`, `10.254.${hi}.${lo + 2}`];
  }
  throw new Error('no free /30 in 10.254.0.0/16');
}

/** Veth `qtv<6hex>m` (root) ⇄ `mgmt0` (namespace) with a fresh /30. */
export async function addMgmtLink(ns: string): Promise<MgmtLink> {
  const hostIf = `qtv${randomBytes(3).toString('hex')}m`;
  const [hostAddress, routerAddress] = await freeSlash30();
  await runOk(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', ns]);
  await runOk(['ip', 'addr', 'add', `${hostAddress}/30`, 'dev', hostIf]);
  await runOk(['ip', 'link', 'set', hostIf, 'up']);
  await runOk(['ip', '-n', ns, 'addr', 'add', `${routerAddress}/30`, 'dev', 'mgmt0']);
  await runOk(['ip', '-n', ns, 'link', 'set', 'mgmt0', 'up']);
  return { hostIf, hostAddress, routerAddress };
}

/** A veth between two namespaces, addressed and up. */
export async function addVeth(a: { ns: string; ifname: string; address: string }, b: { ns: string; ifname: string; address: string }): Promise<void> {
  const tmp = `qtv${randomBytes(4).toString('hex')}`;
  await runOk(['ip', '-n', a.ns, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', tmp, 'netns', b.ns]);
  await runOk(['ip', '-n', b.ns, 'link', 'set', tmp, 'name', b.ifname]);
  for (const end of [a, b]) {
    // IPv6 addresses without duplicate address detection: usable at once.
    await runOk(['ip', '-n', end.ns, 'addr', 'add', end.address, 'dev', end.ifname, ...(end.address.includes(':') ? ['nodad'] : [])]);
    await runOk(['ip', '-n', end.ns, 'link', 'set', end.ifname, 'up']);
  }
}

/** Run argv inside a namespace; throws unless it exits 0. */
export function nsOk(ns: string, argv: string[]): Promise<string> {
  return runOk(['ip', 'netns', 'exec', ns, ...argv]);
}

/** A NETCONF user of the router with its key pair. */
export interface TestUser {
  name: string;
  groups: string[];
  key: SshKeyPair;
  /** Private key file (mode 0600), for ncclient. */
  keyFile: string;
}

/** Day-0 files of one router. */
export interface RouterFiles {
  dir: string;
  configFile: string;
  config: RouterConfig;
  hostKeyFingerprint: string;
  users: Record<string, TestUser>;
  cleanup: () => Promise<void>;
}

/** Write host key, user keys and router.json (the VCA's day-0 output, see vca/deployer.ts). */
export async function writeRouterFiles(o: {
  name: string;
  listenAddress: string;
  tunnelAddresses: string[];
  users?: { name: string; groups: string[] }[];
  keyReaderGroups?: string[];
  tunName?: string;
  port?: number;
}): Promise<RouterFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'qtv-router-'));
  const hostKey = generateKeyPair(`qtv-${o.name}`);
  const hostKeyFile = join(dir, 'ssh_host_ed25519_key');
  await writePrivateKey(hostKeyFile, hostKey.privateKey);
  const users: Record<string, TestUser> = {};
  for (const u of o.users ?? [{ name: 'admin', groups: ['admin'] }]) {
    const key = generateKeyPair(`qtv-${u.name}`);
    const keyFile = join(dir, `${u.name}_ed25519`);
    await writePrivateKey(keyFile, key.privateKey);
    users[u.name] = { name: u.name, groups: u.groups, key, keyFile };
  }
  const config: RouterConfig = {
    name: o.name,
    instanceId: 'qtv-instance',
    tun: { name: o.tunName ?? 'tun0', mtu: 1400 },
    tunnelAddresses: o.tunnelAddresses,
    netconf: {
      listenAddress: o.listenAddress,
      port: o.port ?? 830,
      hostKeyFile,
      users: Object.values(users).map((u) => ({ name: u.name, groups: u.groups, authorizedKeys: [u.key.publicKey] })),
    },
    keyReaderGroups: o.keyReaderGroups ?? ['admin'],
  };
  const configFile = join(dir, 'router.json');
  await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { dir, configFile, config, hostKeyFingerprint: fingerprint(hostKey.publicKey), users, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A running router process. */
export interface RouterProcess {
  child: ChildProcess;
  pid: number;
  /** Parsed JSON log lines so far. */
  logs: LogRecord[];
  /** Everything written to stderr so far. */
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop: (graceMs?: number) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `node dist/virtual-router/main.js --config <file> [extra]` in `ns`; resolves once it logs "router ready". */
export async function startRouter(ns: string, configFile: string, opts: { extraArgs?: string[]; readyTimeoutMs?: number; logLevel?: string } = {}): Promise<RouterProcess> {
  const argv = ['netns', 'exec', ns, process.execPath, routerMainPath(), '--config', configFile, ...(opts.extraArgs ?? [])];
  const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QNFV_LOG: 'on', QNFV_LOG_LEVEL: opts.logLevel ?? 'info' } });
  let err = '';
  let partial = '';
  const logs: LogRecord[] = [];
  const readyWaiters: (() => void)[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    err += chunk;
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        const rec = JSON.parse(line) as LogRecord;
        logs.push(rec);
        if (rec.msg === 'router ready') readyWaiters.splice(0).forEach((w) => w());
      } catch {
        // not a log record
      }
    }
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const proc: RouterProcess = {
    child,
    pid: child.pid!,
    logs,
    stderr: () => err,
    exited,
    stop: async (graceMs = 5000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const r = await exited;
        clearTimeout(timer);
        return r;
      }
      return exited;
    },
  };
  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`router did not become ready within ${timeoutMs} ms:\n${err}`)), timeoutMs);
    readyWaiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
    void exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`router exited during start-up (${r.code ?? r.signal}):\n${err}`));
    });
  }).catch(async (e: unknown) => {
    await proc.stop(500);
    throw e;
  });
  return proc;
}

/** A NETCONF session to a router as `user`, host key pinned. */
export function connectAs(files: RouterFiles, address: string, user: string): Promise<NetconfClient> {
  const u = files.users[user];
  if (!u) throw new Error(`no test user ${user}`);
  return NetconfClient.connect({
    host: address,
    port: files.config.netconf.port,
    username: u.name,
    privateKey: u.key.privateKey,
    hostKeyFingerprint: files.hostKeyFingerprint,
    readyTimeout: 10_000,
    rpcTimeoutMs: 15_000,
  });
}

/** Poll `check` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
