/**
 * Stopping processes, as the netns and local drivers do it: SIGTERM, a short
 * grace, SIGKILL what is left, wait until it is gone (a zombie counts as
 * gone: its parent reaps it, and it holds no namespace, port or socket any
 * more). A process started detached is a process-group leader: `group`
 * signals its whole group (falling back to the pid alone). Removal repeats
 * this in rounds, since a dying process may have forked.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../common/index.js';
import { KILL_GRACE_MS, KILL_POLL_MS, KILL_WAIT_MS, STOP_ROUNDS } from './constants.js';

/** How to stop processes. */
export interface StopOptions {
  /** Signal each pid's process group (the pid leads one), else the pid alone. */
  group?: boolean;
  /** Between SIGTERM and SIGKILL. */
  graceMs?: number;
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

function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  for (const target of group ? [-pid, pid] : [pid]) {
    try {
      process.kill(target, sig);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
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

/** SIGTERM, then SIGKILL after the grace; resolves with the pids still alive at the end (normally none). Check ownership first. */
export async function stopProcesses(pids: readonly number[], opts: StopOptions = {}): Promise<number[]> {
  if (pids.length === 0) return [];
  const group = opts.group ?? false;
  pids.forEach((p) => signal(p, 'SIGTERM', group));
  const stubborn = await waitGone([...pids], opts.graceMs ?? KILL_GRACE_MS);
  stubborn.forEach((p) => signal(p, 'SIGKILL', group));
  return waitGone(stubborn, KILL_WAIT_MS);
}

/**
 * Stop what `find` lists, again until it lists nothing (at most STOP_ROUNDS
 * rounds); every pid signalled, in the order first found. Survivors of
 * SIGKILL are logged with `context`.
 */
export async function stopInRounds(find: () => Promise<number[]>, opts: StopOptions, log: Logger, context: Record<string, unknown> = {}): Promise<number[]> {
  const pids: number[] = [];
  for (let round = 0; round < STOP_ROUNDS; round++) {
    const found = await find();
    if (found.length === 0) break;
    pids.push(...found.filter((p) => !pids.includes(p)));
    const survivors = await stopProcesses(found, opts);
    if (survivors.length > 0) log.warn('processes survived SIGKILL', { ...context, pids: survivors });
  }
  return pids;
}
