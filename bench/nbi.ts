/**
 * `bench:nbi` — the NFVO's REST API (NBI) under HTTP load, for both stores
 * (issue: p50/p99 latency and requests/s of the NS instance routes with 1,000
 * instances). For each store (FileStore: one JSON file per record, fsync'd on
 * write; RedisStore: one hash per collection, on a throw-away redis-server
 * without persistence):
 *   1. the NFVO starts in a child process (bench/nbi-server.ts); the bundled
 *      router VNFD and QKD-VPN NSD are onboarded; 1,000 NS instances are
 *      created with POST /nslcm/v1/ns_instances (`--create-concurrency` in
 *      flight) — timed, and the list is checked to hold exactly that many;
 *   2. autocannon, in this process, drives for `--duration` seconds each with
 *      `--connections` keep-alive connections (after a `--warmup` run):
 *        GET  /health                        (baseline, no auth, no store)
 *        GET  /nslcm/v1/ns_instances/{id}    (auth + one record read)
 *        GET  /nslcm/v1/ns_instances         (auth + all 1,000 records: the page size is --instances)
 *        POST /nslcm/v1/ns_instances         (auth + validation + NSD resolution + one record write)
 *      and reports p50/p99 latency and requests/s of the 2xx responses (the
 *      percentiles from autocannon's per-response hrtime durations: its own
 *      histogram keeps whole milliseconds), plus the CPU time the server side
 *      (NFVO process, and redis-server) spent per request, which depends much
 *      less on what else runs than the rate does.
 * GET /health is the baseline: the same hapi server with no auth and no store,
 * i.e. the HTTP framework's ceiling on this machine, measured in the same run;
 * the gap to it is what auth, the store and the JSON of the bodies cost.
 * The load generator and the NFVO share the machine (two cores on the
 * project's VMs): autocannon takes most of one of them.
 * Options: --instances N (1000) --connections C (10) --duration S (10)
 *   --warmup S (1) --create-concurrency K (10) --stores file,redis.
 * Needs redis-server for the Redis store (Debian package redis-server, or
 * $REDIS_SERVER). Output: a table, then as the last line one JSON object.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bundledPackagePaths } from '../nsd/index.js';
import { startRedisServer, stopChild, type RedisServer } from '../bin/lab/redis-server.js';

type StoreKind = 'file' | 'redis';

interface Args {
  instances: number;
  connections: number;
  duration: number;
  warmup: number;
  createConcurrency: number;
  stores: StoreKind[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { instances: 1000, connections: 10, duration: 10, warmup: 1, createConcurrency: 10, stores: ['file', 'redis'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (min: number): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < min) throw new Error(`${a} needs a number ≥ ${min}`);
      return v;
    };
    if (a === '--instances') args.instances = Math.floor(num(1));
    else if (a === '--connections') args.connections = Math.floor(num(1));
    else if (a === '--duration') args.duration = num(1);
    else if (a === '--warmup') args.warmup = num(0);
    else if (a === '--create-concurrency') args.createConcurrency = Math.floor(num(1));
    else if (a === '--stores') {
      const s = (argv[++i] ?? '').split(',').filter(Boolean);
      if (s.length === 0 || s.some((x) => x !== 'file' && x !== 'redis')) throw new Error('--stores takes file, redis or file,redis');
      args.stores = s as StoreKind[];
    } else throw new Error(`unknown option ${a} (--instances N --connections C --duration S --warmup S --create-concurrency K --stores file,redis)`);
  }
  return args;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** utime + stime of a process in ms, from /proc (Linux; USER_HZ = 100). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The running NFVO child. */
interface Server {
  url: string;
  token: string;
  pid: number;
  child: ChildProcess;
}

/**
 * Spawn bench/nbi-server.js (its stdin stays open: when this process goes away, it stops).
 * One page holds `pageSize` records, so the list route still measures a list of every instance.
 */
function spawnServer(store: StoreKind, dataDir: string, pageSize: number, redis?: RedisServer): ChildProcess {
  const script = fileURLToPath(new URL('./nbi-server.js', import.meta.url));
  const args = [script, '--store', store, '--data-dir', dataDir, '--page-size', String(pageSize), ...(redis ? ['--redis-url', redis.url, '--redis-prefix', 'bench:'] : [])];
  return spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Wait for the server's `{url, token, pid}` line. */
async function serverReady(child: ChildProcess): Promise<Server> {
  const line = await new Promise<string>((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('the NFVO did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('error', fail);
    child.once('exit', (code, sig) => fail(new Error(`the NFVO exited before it was ready (${code ?? sig})`)));
  });
  const ready = JSON.parse(line) as { url: string; token: string; pid: number };
  return { ...ready, child };
}

/** One request through fetch; throws unless the status is the expected one. */
async function call(server: Server, method: string, path: string, expect: number, body?: string, contentType = 'application/json'): Promise<unknown> {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body,
  });
  const text = await r.text();
  if (r.status !== expect) throw new Error(`${method} ${path}: HTTP ${r.status} (expected ${expect}): ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Onboard the bundled VNFD and NSD, then create `n` NS instances, `k` in flight; seconds taken. */
async function populate(server: Server, n: number, k: number): Promise<{ seconds: number; firstId: string }> {
  const p = bundledPackagePaths();
  await call(server, 'POST', '/vnfpkgm/v1/vnf_packages_content', 201, await readFile(join(p.routerVnf, 'qnfv_router_vnfd.yaml'), 'utf8'), 'application/yaml');
  await call(server, 'POST', '/nsd/v1/ns_descriptors_content', 201, await readFile(join(p.qkdVpnNs, 'qnfv_qkd_vpn_nsd.yaml'), 'utf8'), 'application/yaml');
  let next = 0;
  let firstId = '';
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(k, n) }, async () => {
      while (next < n) {
        const i = next++;
        const ns = (await call(server, 'POST', '/nslcm/v1/ns_instances', 201, JSON.stringify({ nsdId: 'qnfv-qkd-vpn-ns', nsName: `ns-${i}` }))) as { id: string };
        if (i === 0) firstId = ns.id;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const list = (await call(server, 'GET', '/nslcm/v1/ns_instances', 200)) as unknown[];
  if (list.length !== n) throw new Error(`GET /nslcm/v1/ns_instances returned ${list.length} instances, expected ${n}`);
  return { seconds, firstId };
}

interface Figures {
  p50_ms: number;
  p99_ms: number;
  rps: number;
  /** 2xx responses counted (the percentiles' sample size). */
  responses: number;
  /** Responses that were not 2xx, plus connection errors and timeouts. */
  errors: number;
  /** Mean response body size. */
  bytes: number;
  /** CPU ms of the NFVO process (and redis-server) per 2xx response. */
  server_cpu_ms_per_req: number;
  /** Cores busy in the load generator (this process) during the run. */
  loadgen_cores: number;
}

/** One autocannon run; latency percentiles from the per-response hrtime durations of the 2xx responses. */
function cannon(opts: autocannon.Options, latencies?: number[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err: unknown, result: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)));
    if (latencies) {
      instance.on('response', (_client: autocannon.Client, status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) latencies.push(ms);
      });
    }
  });
}

async function measure(server: Server, args: Args, serverPids: number[], req: { method: 'GET' | 'POST'; path: string; auth: boolean; body?: string }): Promise<Figures> {
  const opts: autocannon.Options = {
    url: `${server.url}${req.path}`,
    method: req.method,
    connections: args.connections,
    headers: { ...(req.auth ? { authorization: `Bearer ${server.token}` } : {}), ...(req.body ? { 'content-type': 'application/json' } : {}) },
    ...(req.body ? { body: req.body } : {}),
  };
  if (args.warmup > 0) await cannon({ ...opts, duration: args.warmup });
  const latencies: number[] = [];
  const cpu0 = await Promise.all(serverPids.map(cpuMs));
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await cannon({ ...opts, duration: args.duration }, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const cpu1 = await Promise.all(serverPids.map(cpuMs));
  const serverCpu = cpu1.reduce((s, c, i) => s + c - cpu0[i]!, 0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : NaN);
  const ok = latencies.length;
  return {
    p50_ms: round(pct(50), 2),
    p99_ms: round(pct(99), 2),
    rps: round(ok / seconds, 1),
    responses: ok,
    errors: result.non2xx + result.errors + result.timeouts,
    bytes: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
    server_cpu_ms_per_req: ok ? round(serverCpu / ok, 3) : NaN,
    loadgen_cores: round((own.user + own.system) / 1e6 / seconds, 2),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg();
  const say = (s: string): void => void process.stdout.write(`${s}\n`);
  say(
    `bench:nbi — NFVO REST API under autocannon (${args.connections} connections, ${args.duration} s per route, ${args.warmup} s warm-up), ` +
      `${args.instances} NS instances, stores: ${args.stores.join(', ')}; ${availableParallelism()} CPUs shared by the NFVO and the load generator; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const out: Record<string, unknown> = {};
  const rows: string[][] = [];
  // Undo steps, newest first. Runs one at a time even when a signal and the main flow both ask:
  // the NFVO child is stopped before its data folder is removed.
  const cleanups: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> = Promise.resolve();
  const cleanup = (): Promise<void> =>
    (cleaning = cleaning.then(async () => {
      while (cleanups.length) await cleanups.pop()!().catch((err: unknown) => console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`));
    }));
  const onSignal = (code: number) => (): void => {
    console.error('bench:nbi interrupted: stopping the NFVO and redis-server, removing temporary folders');
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', onSignal(130));
  process.once('SIGTERM', onSignal(143));
  try {
    let healthDone = false;
    for (const store of args.stores) {
      const dataDir = await mkdtemp(join(tmpdir(), `qnfv-bench-nbi-${store}-`));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      let redis: RedisServer | undefined;
      if (store === 'redis') {
        redis = await startRedisServer();
        cleanups.push(redis.stop);
      }
      const child = spawnServer(store, dataDir, args.instances, redis);
      cleanups.push(() => stopChild(child));
      const server = await serverReady(child);
      const pids = [server.pid, ...(redis ? [redis.pid] : [])];
      say(`[${store}] NFVO at ${server.url} (pid ${server.pid}${redis ? `, redis-server pid ${redis.pid}` : ''})`);

      const record = (route: string, key: string, f: Figures): void => {
        rows.push([key === 'health' ? '—' : store, route, f.p50_ms.toFixed(2), f.p99_ms.toFixed(2), f.rps.toFixed(0), String(f.responses), f.server_cpu_ms_per_req.toFixed(2), f.loadgen_cores.toFixed(2), String(f.bytes), String(f.errors)]);
        const prefix = key === 'health' ? 'health' : `${store}_${key}`;
        out[`${prefix}_p50_ms`] = f.p50_ms;
        out[`${prefix}_p99_ms`] = f.p99_ms;
        out[`${prefix}_rps`] = f.rps;
        out[`${prefix}_responses`] = f.responses;
        out[`${prefix}_server_cpu_ms_per_req`] = f.server_cpu_ms_per_req;
        out[`${prefix}_errors`] = f.errors;
        say(`[${store}] ${route}: p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms, ${f.rps} req/s, server ${f.server_cpu_ms_per_req} CPU-ms/req, ${f.bytes} B/response${f.errors ? `, ${f.errors} ERRORS` : ''}`);
      };

      if (!healthDone) {
        // The framework's ceiling: same server, no auth, no store. Once, on the first server.
        record('GET /health (baseline)', 'health', await measure(server, args, pids, { method: 'GET', path: '/health', auth: false }));
        healthDone = true;
      }

      const { seconds, firstId } = await populate(server, args.instances, args.createConcurrency);
      out[`${store}_create_s`] = round(seconds, 2);
      out[`${store}_create_per_s`] = round(args.instances / seconds, 1);
      say(`[${store}] onboarded the bundled VNFD + NSD; created ${args.instances} NS instances in ${seconds.toFixed(2)} s (${(args.instances / seconds).toFixed(0)}/s, ${args.createConcurrency} in flight)`);

      record('GET /ns_instances/{id}', 'get_one', await measure(server, args, pids, { method: 'GET', path: `/nslcm/v1/ns_instances/${firstId}`, auth: true }));
      record(`GET /ns_instances (${args.instances})`, 'get_list', await measure(server, args, pids, { method: 'GET', path: '/nslcm/v1/ns_instances', auth: true }));
      // Last: every POST adds an instance, so the list above saw exactly `instances`.
      record('POST /ns_instances', 'post', await measure(server, args, pids, { method: 'POST', path: '/nslcm/v1/ns_instances', auth: true, body: JSON.stringify({ nsdId: 'qnfv-qkd-vpn-ns', nsName: 'bench-post' }) }));

      // Stop this store's processes before the next store runs.
      await cleanup();
    }

    const head = ['store', 'route', 'p50 ms', 'p99 ms', 'req/s', 'responses', 'server CPU-ms/req', 'loadgen cores', 'bytes', 'errors'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]): string => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    say('');
    say(line(head));
    for (const r of rows) say(line(r));
    const loadAfter = loadavg();
    say(`load ${loadBefore.map((l) => l.toFixed(2)).join(' ')} → ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
    say(
      JSON.stringify({
        ...out,
        instances: args.instances,
        connections: args.connections,
        duration_s: args.duration,
        load_generator: 'autocannon (same machine, separate process)',
        cpus: availableParallelism(),
        loadavg_before: loadBefore.map((l) => round(l, 2)),
        loadavg_after: loadAfter.map((l) => round(l, 2)),
        node: process.version,
      }),
    );
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
