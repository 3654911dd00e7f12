/**
 * Stopping every process inside namespaces before they are deleted (a
 * namespace with a live process outlives `ip netns del`): list them with
 * `ip netns pids` (one batch for all namespaces), SIGTERM, wait a short
 * grace, SIGKILL what is left, wait until it is gone. A zombie counts as gone:
 * its parent reaps it, and it holds no namespace any more.
 */
import { readFile } from 'node:fs/promises';
import type { CommandRunner } from '../command-runner.js';
import { KILL_GRACE_MS, KILL_POLL_MS, KILL_WAIT_MS } from '../constants.js';
import { runIpBatch } from '../ip-batch.js';

/** Pids of every process in the namespaces (namespaces that do not exist are skipped). */
export async function namespacePids(runner: CommandRunner, namespaces: readonly string[]): Promise<number[]> {
  const res = await runIpBatch(
    runner,
    namespaces.map((ns) => ['netns', 'pids', ns]),
    { force: true, allowFailure: true },
  );
  const pids = res.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
  return [...new Set(pids)].filter((p) => p !== process.pid);
}

/** True while the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (state) follows the parenthesised command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids;
  for (;;) {
    const alive = await Promise.all(left.map(isAlive));
    left = left.filter((_, i) => alive[i]);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, KILL_POLL_MS));
  }
}

/** SIGTERM, then SIGKILL after the grace; resolves with the pids still alive at the end (normally none). */
export async function stopProcesses(pids: readonly number[], graceMs = KILL_GRACE_MS): Promise<number[]> {
  if (pids.length === 0) return [];
  pids.forEach((p) => signal(p, 'SIGTERM'));
  const stubborn = await waitGone([...pids], graceMs);
  stubborn.forEach((p) => signal(p, 'SIGKILL'));
  return waitGone(stubborn, KILL_WAIT_MS);
}
