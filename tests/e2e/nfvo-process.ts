/**
 * The NFVO as an operator runs it, for end-to-end tests: `qnfv nfvo` from
 * the compiled `dist/` in a child process (`npm run build` first), on a free
 * port, ready once it prints `NFVO listening on URL`. Tests kill it with
 * SIGKILL to simulate a crash and start it again on the same data directory
 * (or Redis). `prepareNfvoDataDir` gives such a data directory the lab's
 * installation id and the lab NFVO's SSH identity, which the lab's VCAs
 * authorise, so that the child NFVO can drive the lab's domains. Not a test
 * file itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DomainLab } from '../../bin/lab/index.js';

/** The repository root (this file is `tests/e2e/nfvo-process.ts`). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The compiled command line. */
export const QNFV_BIN = join(PROJECT_ROOT, 'dist', 'bin', 'qnfv.js');

const READY = /NFVO listening on (\S+)/;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;

export interface NfvoProcess {
  /** `http://127.0.0.1:PORT` as printed by the NFVO. */
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (its JSON log lines are on stderr). */
  output(): string;
  /** Send a signal and wait until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (the NFVO waits for running operations), SIGKILL after 15 s; resolves once it exited. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/** Start `qnfv nfvo --port 0 --data-dir DIR`; resolves once it listens. */
export async function startNfvoProcess(opts: { dataDir: string; env?: NodeJS.ProcessEnv }): Promise<NfvoProcess> {
  const child = spawn(process.execPath, [QNFV_BIN, 'nfvo', '--port', '0', '--data-dir', opts.dataDir], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr += d));
  child.stdout!.on('data', (d: string) => (stdout += d));
  // Should the test process end without its afterAll (a crash, a timeout), take the NFVO along.
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));

  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`qnfv nfvo did not print 'NFVO listening on' within ${START_TIMEOUT_MS / 1000} s; stderr:\n${stderr.trim() || '(empty)'}`));
    }, START_TIMEOUT_MS);
    const onData = (): void => {
      const m = READY.exec(stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeListener('data', onData);
        child.removeListener('exit', onEarlyExit);
        ready(m[1]!);
      }
    };
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      fail(new Error(`qnfv nfvo exited (${signal ?? `code ${code}`}) before listening; stderr:\n${stderr.trim() || '(empty)'}`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onEarlyExit);
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
  });

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (exited(child)) return;
    const done = waitExit(child);
    child.kill(signal);
    await done;
  };
  const stop = async (): Promise<void> => {
    if (exited(child)) return;
    const done = waitExit(child);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await done;
    clearTimeout(timer);
  };
  return { url, child, output: () => `${stdout}${stderr}`, kill, stop };
}

/**
 * A data directory for a child NFVO that works the lab's domains: the
 * installation id the lab's VIMs label with (the one the lab was started
 * with), and the lab NFVO's SSH private key (mode 0600) as the child's
 * identity, which the lab's VCAs authorise.
 */
export async function prepareNfvoDataDir(dir: string, lab: DomainLab, labDataDir: string, installationId: string): Promise<void> {
  const labInstallation = lab.domains[0].vim.installationId;
  if (installationId !== labInstallation) {
    throw new Error(`installation id '${installationId}' is not the lab's ('${labInstallation}'): the child NFVO's labels would not match the lab's VIMs`);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'installation-id'), `${installationId}\n`, { mode: 0o644 });
  const key = join(dir, 'nfvo_ed25519_key');
  await copyFile(join(labDataDir, 'nfvo', 'ssh_client_ed25519_key'), key);
  await chmod(key, 0o600);
}
