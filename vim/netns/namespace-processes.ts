/**
 * The processes inside namespaces, which must be stopped before the
 * namespaces are deleted (a namespace with a live process outlives
 * `ip netns del`): listed with `ip netns pids`, one batch for all
 * namespaces. Stopping them is process-stop.ts.
 */
import type { CommandRunner } from '../command-runner.js';
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
