/**
 * The `local` driver's processes: every router and host it starts carries
 * its labels in the environment variable QNFV_VIM_LABELS (the same
 * `qnfv.key=value` text netns puts on interfaces), so `/proc` lists what
 * belongs to an installation even when a state record was lost. A pid is
 * only signalled when `/proc/<pid>/environ` still carries the labels we gave
 * it and, for recorded pids, `/proc/<pid>/stat` the recorded start time —
 * pids get reused. Stopping: SIGTERM to the process group (each was started
 * detached, as a group leader), a grace, SIGKILL, wait until gone (a zombie
 * counts as gone).
 */
import { readdir, readFile } from 'node:fs/promises';
import { KILL_GRACE_MS, KILL_POLL_MS, KILL_WAIT_MS } from '../constants.js';
import { parseLabels } from '../labels.js';
import type { ResourceLabels } from '../types.js';
import type { ProcessRef } from './local-state.js';

/** The environment variable with a process's labels. */
export const LABEL_ENV = 'QNFV_VIM_LABELS';

/** A labelled process found in /proc. */
export interface LabelledProcess extends ProcessRef {
  labels: ResourceLabels;
}

/** Field 22 (starttime) of /proc/<pid>/stat, or undefined when the process is gone. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): state is field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The label text in a process's environment, or undefined (gone, not ours to read, unlabelled). */
export async function processLabelText(pid: number): Promise<string | undefined> {
  try {
    const env = await readFile(`/proc/${pid}/environ`, 'latin1');
    const entry = env.split('\0').find((e) => e.startsWith(`${LABEL_ENV}=`));
    return entry?.slice(LABEL_ENV.length + 1);
  } catch {
    return undefined;
  }
}

/** Every process of this user (every process, as root) labelled for `installationId`. */
export async function labelledProcesses(installationId: string): Promise<LabelledProcess[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  const found = await Promise.all(
    pids.map(async (pid): Promise<LabelledProcess | undefined> => {
      if (pid === process.pid) return undefined;
      const labels = parseLabels(await processLabelText(pid));
      if (!labels || labels.installationId !== installationId) return undefined;
      const startTime = await processStartTime(pid);
      return startTime === undefined || !(await isAlive(pid)) ? undefined : { pid, startTime, labels };
    }),
  );
  return found.filter((p): p is LabelledProcess => p !== undefined);
}

/** True when `ref` is still the process we started with `labelText` (start time and labels match). */
export async function isOurs(ref: ProcessRef, labelText: string): Promise<boolean> {
  return (await processStartTime(ref.pid)) === ref.startTime && (await processLabelText(ref.pid)) === labelText && (await isAlive(ref.pid));
}

/** True while the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
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

/** SIGTERM each process's group, SIGKILL after the grace; resolves with the pids still alive (normally none). Check ownership first. */
export async function stopProcesses(pids: readonly number[], graceMs = KILL_GRACE_MS): Promise<number[]> {
  if (pids.length === 0) return [];
  pids.forEach((p) => signal(p, 'SIGTERM'));
  const stubborn = await waitGone([...pids], graceMs);
  stubborn.forEach((p) => signal(p, 'SIGKILL'));
  return waitGone(stubborn, KILL_WAIT_MS);
}
