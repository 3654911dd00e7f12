/**
 * Test helper: network namespaces named `qtt-tun-<tag>-<pid>` for TUN tests,
 * and running fixture scripts inside them. Callers delete the namespace in
 * afterAll, so it goes even when a test fails. IPv6 is off in the namespace
 * so that a TUN sees only the test's own packets (no router solicitations).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the fixture scripts. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** What a finished command did. */
export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/** Run argv (no shell); never rejects, a timeout kills the process with SIGKILL. */
export function run(argv: readonly string[], timeoutMs = 20_000): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; signal?: string | null }) | null;
      resolve({
        code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
        signal: e?.signal ?? null,
        stdout,
        stderr,
        ms: Date.now() - t0,
      });
    });
  });
}

/** Run argv and throw with its stderr unless it exits 0. */
export async function runOk(argv: readonly string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`'${argv.join(' ')}' failed (exit ${r.code}, signal ${r.signal}): ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * Create a namespace `qtt-tun-<tag>-<pid>` with IPv6 disabled; returns its
 * name. First removes `qtt-tun-*-<pid>` namespaces left by test processes
 * that were killed (their pid is gone).
 */
export async function createNetns(tag: string): Promise<string> {
  await removeStaleNetns();
  const name = `qtt-tun-${tag}-${process.pid}`;
  await runOk(['ip', 'netns', 'add', name]);
  try {
    await runOk(['ip', 'netns', 'exec', name, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  } catch (err) {
    await deleteNetns(name);
    throw err;
  }
  return name;
}

async function removeStaleNetns(): Promise<void> {
  const list = await run(['ip', 'netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const m = /^(qtt-tun-[a-z]+-(\d+))\b/.exec(line);
    if (m !== null && !isAlive(Number(m[2]))) await deleteNetns(m[1]);
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

/** Delete a namespace if it exists (its devices go with it). */
export async function deleteNetns(name: string | undefined): Promise<void> {
  if (name !== undefined) await run(['ip', 'netns', 'del', name]);
}

/** Options of `runFixture`. */
export interface FixtureOptions {
  /** argv placed between `ip netns exec <ns>` and `node` (e.g. setpriv ...). */
  wrap?: readonly string[];
  timeoutMs?: number;
}

/** A fixture's run plus its parsed JSON line. */
export interface FixtureResult<T> extends RunResult {
  json: T;
}

/** Run `node fixtures/<script> ...args` inside `ns` and parse the last stdout line as JSON. */
export async function runFixture<T = Record<string, unknown>>(
  ns: string,
  script: string,
  args: readonly string[],
  options: FixtureOptions = {},
): Promise<FixtureResult<T>> {
  const argv = ['ip', 'netns', 'exec', ns, ...(options.wrap ?? []), process.execPath, join(FIXTURES, script), ...args];
  const r = await run(argv, options.timeoutMs);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !last.startsWith('{')) {
    throw new Error(`fixture ${script} ${args.join(' ')} failed (exit ${r.code}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json: JSON.parse(last) as T };
}

/** Wrapper argv: hide /dev/net/tun behind an empty tmpfs in a private mount namespace. */
export const WITHOUT_DEV_NET_TUN: readonly string[] = [
  'unshare', '--mount', '--propagation', 'private',
  'sh', '-c', 'mount -t tmpfs qtt-empty /dev/net && exec "$0" "$@"',
];

/** Wrapper argv: run without CAP_NET_ADMIN (dropped from the bounding set, so root's exec does not regain it). */
export const WITHOUT_CAP_NET_ADMIN: readonly string[] = ['setpriv', '--bounding-set', '-net_admin'];
