/**
 * A throw-away `redis-server` for benchmarks (the bench's own copy of the
 * test helper's logic; bench code does not import from tests/): a child
 * process on a free 127.0.0.1 port, no persistence (`--save ''
 * --appendonly no`), working directory in a temporary folder, ready once it
 * answers PING. `$REDIS_SERVER` overrides the binary (default: redis-server
 * on PATH; Debian package redis-server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchRedis {
  /** `redis://127.0.0.1:<port>/0` */
  url: string;
  /** The redis-server's process id (to read its CPU time). */
  pid: number;
  /** SIGTERM (SIGKILL after 5 s), then remove its folder. */
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a Redis server on the port answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

const running = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

/** Stop a child: SIGTERM, SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.pid === undefined || !running(child)) return; // never started (spawn error), or gone
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Start one redis-server, answering PING within 10 s, or throw with its output. */
export async function startRedisServer(): Promise<BenchRedis> {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), 'qnfv-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  // Should this process end without stop() (a crash), take the server along.
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !spawnError && running(child)) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}/0`, pid: child.pid!, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  const why = spawnError
    ? `${spawnError.message} (install the Debian package redis-server, or set REDIS_SERVER)`
    : `${running(child) ? 'no PONG within 10 s' : `exit ${child.exitCode ?? child.signalCode}`}: ${output.trim() || 'no output'}`;
  await stop();
  throw new Error(`redis-server (${bin}) on 127.0.0.1:${port} did not start: ${why}`);
}
