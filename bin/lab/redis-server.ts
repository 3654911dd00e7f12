/**
 * A real, throw-away `redis-server` for tests and benchmarks: a child process on a free
 * 127.0.0.1 port, no persistence (`--save '' --appendonly no`), working
 * directory in a temporary folder, ready once it answers PING. Tests never use
 * a system Redis service. When redis-server is missing the start fails with a
 * message saying how to install it (scripts/setup.sh --test): a test that
 * needs Redis must not pass silently without it. Not a test file itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>/0` */
  url: string;
  port: number;
  /** The redis-server's process id (benchmarks read its CPU time). */
  pid: number;
  /** Stop the server (SIGTERM, SIGKILL after 5 s) and remove its folder. */
  stop(): Promise<void>;
}

/** The redis-server binary: $REDIS_SERVER, else the first one on PATH (or /usr/bin, /usr/sbin). */
async function findRedisServer(): Promise<string> {
  const explicit = process.env.REDIS_SERVER;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  const candidates = explicit ? [explicit] : dirs.map((d) => join(d, 'redis-server'));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `redis-server is not installed (looked for ${explicit ?? 'redis-server on PATH and in /usr/bin'}): run scripts/setup.sh --test or --bench (Debian package redis-server)`,
  );
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
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
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stop a child process: SIGTERM, SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return; // never started, or gone
  const exited = waitExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Start one redis-server; retries on another port if the chosen one was taken meanwhile. */
export async function startRedisServer(): Promise<RedisServer> {
  const bin = await findRedisServer();
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'qnfv-redis-'));
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
    const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));

    const deadline = Date.now() + 10_000;
    let up = false;
    while (Date.now() < deadline && !spawnError && child.exitCode === null && child.signalCode === null) {
      if (await ping(port)) {
        up = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (up) {
      // Should the test process end without afterAll (a crash, a timeout), take the server along.
      const onExit = (): void => void child.kill('SIGKILL');
      process.once('exit', onExit);
      const stop = async (): Promise<void> => {
        process.removeListener('exit', onExit);
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      };
      return { url: `redis://127.0.0.1:${port}/0`, port, pid: child.pid!, stop };
    }
    const stillRunning = child.exitCode === null && child.signalCode === null;
    if (stillRunning) {
      const exited = waitExit(child);
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
    lastError = spawnError
      ? spawnError.message
      : stillRunning
        ? `no PONG on port ${port} within 10 s: ${output.trim() || 'no output'}`
        : `exit ${child.exitCode ?? child.signalCode}: ${output.trim() || 'no output'}`;
    if (spawnError) break;
  }
  throw new Error(`redis-server (${bin}) did not start answering PING on 127.0.0.1: ${lastError}`);
}
