/**
 * The `local` driver's processes: every router and host it starts carries
 * its labels in the environment variable QNFV_VIM_LABELS (the same
 * `qnfv.key=value` text netns puts on interfaces), so `/proc` lists what
 * belongs to an installation even when a state record was lost. A pid is
 * only signalled when `/proc/<pid>/environ` still carries the labels we gave
 * it and, for recorded pids, `/proc/<pid>/stat` the recorded start time —
 * pids get reused. Stopping is process-stop.ts, by process group (each was
 * started detached, as a group leader).
 */
import { readdir, readFile } from 'node:fs/promises';
import { parseLabels } from '../labels.js';
import { isAlive } from '../process-stop.js';
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
