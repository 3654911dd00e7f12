/**
 * Test fixtures for SSH and NETCONF tests: temporary key files, a process
 * runner for independent clients (OpenSSH, ncclient), and a subsystem that
 * echoes. Not a test file itself.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { generateKeyPair, writeKeyPair, type SshKeyPair } from '../../../common/ssh/index.js';

/** A temporary directory; `cleanup()` removes it. */
export async function tempDir(prefix = 'qnfv-ssh-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A key pair also written to `dir/name` (+ `.pub`), for OpenSSH and ncclient. */
export async function keyFile(dir: string, name: string, pair: SshKeyPair = generateKeyPair(name)): Promise<SshKeyPair & { path: string }> {
  const path = join(dir, name);
  await writeKeyPair(path, pair);
  return { ...pair, path };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program with argv (no shell), optional stdin, and a kill timeout. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; onStdout?: (chunk: string, child: { stdin: NodeJS.WritableStream }) => void } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      opts.onStdout?.(d, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
  });
}

/** OpenSSH client arguments for a throw-away connection with a key file. */
export function opensshArgs(port: number, keyPath: string, user = 'admin'): string[] {
  return [
    '-p', String(port), '-i', keyPath,
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'LogLevel=ERROR', '-F', '/dev/null',
    `${user}@127.0.0.1`,
  ];
}

/** A subsystem handler that echoes everything back, prefixed with the session's user. */
export function echoSubsystem(stream: Duplex, session: { user: string; groups: string[] }): void {
  stream.write(`hello ${session.user} [${session.groups.join(',')}]\n`);
  stream.on('data', (d: Buffer) => {
    if (d.toString().includes('quit')) stream.end('bye\n');
    else stream.write(d);
  });
}

/** Read from a stream until the accumulated text matches, or fail after a timeout. */
export function readUntil(stream: Duplex, re: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${re} (got ${JSON.stringify(buf)})`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      if (re.test(buf)) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(buf);
      }
    };
    stream.on('data', onData);
  });
}
