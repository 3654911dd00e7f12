/**
 * How `exec` reaches a `local` site host: a Unix domain socket the host
 * program listens on (in the driver's 0700 state folder, mode 0600), one
 * request per connection — a JSON line `{"argv": [...]}` — answered by one
 * JSON line `{"code", "stdout", "stderr"}` (a CommandResult). The host runs
 * only its built-in commands (host-commands.ts); nothing reaches a shell.
 */
import { createConnection, createServer, type Server } from 'node:net';
import { chmod, rm } from 'node:fs/promises';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../constants.js';
import type { CommandResult } from '../command-runner.js';

/** Largest request or answer line accepted. */
const MAX_LINE = 1024 * 1024;

/** A request on the control socket. */
export interface ControlRequest {
  argv: string[];
}

/** Serve `run` on the Unix socket `path` (replacing a stale socket file); resolves once listening. */
export async function serveControl(path: string, run: (argv: string[]) => Promise<CommandResult>): Promise<Server> {
  await rm(path, { force: true });
  const server = createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => undefined);
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE) return conn.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      conn.pause();
      let argv: string[];
      try {
        const req = JSON.parse(buf.slice(0, nl)) as Partial<ControlRequest>;
        if (!Array.isArray(req.argv) || req.argv.length === 0 || req.argv.some((a) => typeof a !== 'string')) throw new Error('argv must be a non-empty list of strings');
        argv = req.argv;
      } catch (err) {
        conn.end(JSON.stringify({ code: 2, stdout: '', stderr: `bad request: ${(err as Error).message}\n` }) + '\n');
        return;
      }
      run(argv).then(
        (res) => conn.end(JSON.stringify(res) + '\n'),
        (err: unknown) => conn.end(JSON.stringify({ code: 1, stdout: '', stderr: `${err instanceof Error ? err.message : String(err)}\n` }) + '\n'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return server;
}

/** Send `argv` to the host at `path`; the answer, or code null with the reason when it did not come within `timeoutMs`. */
export function execOverControl(path: string, argv: readonly string[], timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<CommandResult> {
  return new Promise((resolve) => {
    const conn = createConnection(path);
    let buf = '';
    let done = false;
    const finish = (r: CommandResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ code: null, stdout: '', stderr: `no answer from the host's control socket ${path} within ${timeoutMs} ms` }), timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(JSON.stringify({ argv }) + '\n'));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE) finish({ code: null, stdout: '', stderr: 'answer too long' });
    });
    conn.on('end', () => {
      try {
        const r = JSON.parse(buf) as CommandResult;
        finish({ code: r.code, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') });
      } catch {
        finish({ code: null, stdout: '', stderr: `unreadable answer from ${path}` });
      }
    });
    conn.on('error', (err) => finish({ code: null, stdout: '', stderr: `cannot reach the host's control socket ${path}: ${err.message}` }));
  });
}
