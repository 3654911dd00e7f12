/**
 * Many `ip` commands in one process: `ip [-n NS] [-force] -batch -` reads one
 * command per stdin line (ip(8) "-batch"). Commands are still argument
 * arrays; every token is checked so that a line can never be split or cut
 * differently than intended: iproute2's line reader splits on blanks, treats
 * quotes specially, drops everything after `#` and joins lines ending in `\`.
 * Caveat: `netns add` must not be batched with later name lookups — it leaves
 * the batch process inside the new namespace for ioctl-based lookups — so the
 * drivers run `ip netns add` on its own.
 */
import { DriverError, ValidationError } from '../common/index.js';
import type { CommandResult, CommandRunner } from './command-runner.js';

/** Options of one batch. */
export interface IpBatchOptions {
  /** Run the whole batch inside this named network namespace (`ip -n`). */
  namespace?: string;
  /** Go on after a failing line (`-force`); the exit status is still non-zero. */
  force?: boolean;
  /** Return the failure instead of throwing (implied useful with `force`). */
  allowFailure?: boolean;
}

const UNSAFE_TOKEN = /[\s"'#\\]/;

/** Check one token of a batch line: non-empty, no blanks, quotes, `#` or backslash. */
export function checkBatchToken(token: string): void {
  if (token === '' || UNSAFE_TOKEN.test(token)) {
    throw new ValidationError(`ip batch token ${JSON.stringify(token)} is empty or contains a blank, quote, '#' or backslash`);
  }
}

/** The argv of a batch run. */
export function ipBatchArgv(opts: IpBatchOptions = {}): string[] {
  return ['ip', ...(opts.namespace ? ['-n', opts.namespace] : []), ...(opts.force ? ['-force'] : []), '-batch', '-'];
}

/** Run `ip` commands (each an argv without the leading `ip`) as one batch; nothing runs for an empty list. */
export async function runIpBatch(runner: CommandRunner, commands: readonly (readonly string[])[], opts: IpBatchOptions = {}): Promise<CommandResult> {
  if (commands.length === 0) return { stdout: '', stderr: '', code: 0 };
  for (const cmd of commands) {
    if (cmd.length === 0) throw new ValidationError('ip batch command is empty');
    cmd.forEach(checkBatchToken);
  }
  const argv = ipBatchArgv(opts);
  const result = await runner.run(argv, { input: commands.map((c) => c.join(' ')).join('\n') + '\n', allowFailure: true });
  if (result.code === 0 || opts.allowFailure) return result;
  throw new DriverError(argv, result.code, explainBatchFailure(result.stderr, commands));
}

/** Append the failing line's text to iproute2's `Command failed -:N` messages. */
export function explainBatchFailure(stderr: string, commands: readonly (readonly string[])[]): string {
  return stderr.replace(/Command failed -:(\d+)/g, (m, n: string) => {
    const cmd = commands[Number(n) - 1];
    return cmd ? `${m} (ip ${cmd.join(' ')})` : m;
  });
}
