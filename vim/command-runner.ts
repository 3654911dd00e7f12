/**
 * How drivers run external programs (`ip`, `sysctl`, later `ovs-vsctl`):
 * always an argument array through an injected CommandRunner, never a shell
 * string (HOUSE-STYLE.md 13). `ExecFileRunner` is the real one (execFile /
 * spawn); `RecordingRunner` is the fake that unit tests inject to see the
 * exact argv and stdin a driver produces, and to script answers.
 * A program that is not installed reports exit code 127 (the shell's
 * convention) so that prerequisite checks can tell "missing" from "failed".
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DriverError, ValidationError } from '../common/index.js';
import { COMMAND_MAX_BUFFER, DEFAULT_COMMAND_TIMEOUT_MS, EXIT_NOT_FOUND, PROGRAM_SETTLE_MS } from './constants.js';

/** Options of one command. */
export interface CommandOptions {
  /** Written to the command's stdin, then stdin is closed. */
  input?: string;
  /** Kill the command after this long (default 30 s). */
  timeoutMs?: number;
  /** Return a non-zero exit code instead of throwing DriverError. */
  allowFailure?: boolean;
}

/** What a finished command produced. `code` is null when a signal (e.g. the timeout) ended it. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Options of a long-running program started in the background. */
export interface StartOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** stdout and stderr are appended here (parent directories are created). */
  logFile: string;
  /** The program must survive this long to count as started (default 100 ms). */
  settleMs?: number;
}

/** Runs commands; injected into drivers so that they are testable. */
export interface CommandRunner {
  /** Run a command to completion; throws DriverError(argv, code, stderr) on failure unless `allowFailure`. */
  run(argv: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
  /** Start a detached program (own process group), output to a log file; resolves with its pid. */
  start(argv: readonly string[], opts: StartOptions): Promise<{ pid: number }>;
}

function checkArgv(argv: readonly string[]): void {
  if (argv.length === 0 || argv[0] === '') throw new ValidationError('argv must name a program');
}

/** The real runner: node:child_process execFile / spawn with argument arrays. */
export class ExecFileRunner implements CommandRunner {
  /** Run argv[0] with argv[1..] (no shell), feeding `input` to stdin. */
  async run(argv: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
    checkArgv(argv);
    const timeout = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const child = execFile(
        argv[0],
        argv.slice(1),
        { timeout, maxBuffer: COMMAND_MAX_BUFFER, encoding: 'utf8', killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          if (!err) {
            resolve({ stdout, stderr, code: 0 });
            return;
          }
          // execFile's error: `code` is the exit status (number) or a spawn errno string.
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
          let code: number | null;
          let why = stderr;
          if (e.code === 'ENOENT') {
            code = EXIT_NOT_FOUND;
            why = `${argv[0]}: command not found`;
          } else if (typeof e.code === 'number') {
            code = e.code;
          } else {
            code = null;
            why = e.killed ? `${stderr}\ntimed out after ${timeout} ms` : `${stderr}\n${e.message}`;
          }
          if (opts.allowFailure) resolve({ stdout, stderr: why, code });
          else reject(new DriverError(argv, code, why));
        },
      );
      // A command that exits before reading its stdin makes the write fail with EPIPE; the exit status tells.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input ?? '');
    });
  }

  /** Spawn detached with output appended to the log file; rejects if it dies within the settle time. */
  async start(argv: readonly string[], opts: StartOptions): Promise<{ pid: number }> {
    checkArgv(argv);
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const fd = openSync(opts.logFile, 'a', 0o644);
    const settleMs = opts.settleMs ?? PROGRAM_SETTLE_MS;
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...opts.env },
        cwd: opts.cwd,
      });
      closeSync(fd);
      let settled = false;
      const fail = (code: number | null, why: string): void => {
        if (settled) return;
        settled = true;
        reject(new DriverError(argv, code, why));
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        fail(err.code === 'ENOENT' ? EXIT_NOT_FOUND : null, err.message);
      });
      child.once('exit', (code, signal) => {
        if (code === 0) return; // a program that finishes its work quickly has not failed
        fail(code, `exited during start-up (${signal ?? `exit ${code}`}); log ${opts.logFile}: ${tail(opts.logFile)}`);
      });
      child.once('spawn', () => {
        setTimeout(() => {
          if (settled) return;
          settled = true;
          child.unref();
          resolve({ pid: child.pid as number });
        }, settleMs);
      });
    });
  }
}

/** The last lines of a log file, for error messages. */
function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ') || 'empty';
  } catch {
    return 'unreadable';
  }
}

/** One call the RecordingRunner saw. */
export interface RecordedCall {
  type: 'run' | 'start';
  argv: string[];
  /** stdin of a `run` (e.g. an `ip -batch -` script). */
  input?: string;
  options: CommandOptions | StartOptions;
}

type Matcher = readonly string[] | ((argv: readonly string[]) => boolean);
type Reply = Partial<CommandResult> | ((call: RecordedCall) => Partial<CommandResult>);

/**
 * Fake runner for unit tests: records every call and answers from scripted
 * rules (the most recently added matching rule wins; default: exit 0, no
 * output). A rule's matcher is an argv prefix or a predicate.
 */
export class RecordingRunner implements CommandRunner {
  readonly calls: RecordedCall[] = [];
  private readonly rules: { match: Matcher; reply: Reply }[] = [];
  private nextPid: number;

  constructor(firstPid = 40_000) {
    this.nextPid = firstPid;
  }

  /** Answer commands matching `match` (argv prefix or predicate) with `reply`. */
  on(match: Matcher, reply: Reply): this {
    this.rules.push({ match, reply });
    return this;
  }

  /** Record and answer; throws DriverError on a non-zero code unless allowFailure, like the real one. */
  async run(argv: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
    checkArgv(argv);
    const call: RecordedCall = { type: 'run', argv: [...argv], input: opts.input, options: opts };
    this.calls.push(call);
    const rule = [...this.rules].reverse().find((r) => matches(r.match, argv));
    const reply = rule ? (typeof rule.reply === 'function' ? rule.reply(call) : rule.reply) : {};
    const result: CommandResult = { stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', code: reply.code === undefined ? 0 : reply.code };
    if (result.code !== 0 && !opts.allowFailure) throw new DriverError(argv, result.code, result.stderr);
    return result;
  }

  /** Record and hand out increasing fake pids. */
  async start(argv: readonly string[], opts: StartOptions): Promise<{ pid: number }> {
    checkArgv(argv);
    this.calls.push({ type: 'start', argv: [...argv], options: opts });
    return { pid: this.nextPid++ };
  }

  /** The argv of every call, in order. */
  argvs(): string[][] {
    return this.calls.map((c) => c.argv);
  }

  /** The stdin lines of every `ip … -batch -` call, in order, split into tokens. */
  batchCommands(): string[][] {
    return this.calls
      .filter((c) => c.argv[0] === 'ip' && c.argv.includes('-batch'))
      .flatMap((c) => (c.input ?? '').split('\n').filter((l) => l.trim() !== ''))
      .map((l) => l.split(' '));
  }
}

function matches(m: Matcher, argv: readonly string[]): boolean {
  if (typeof m === 'function') return m(argv);
  return m.every((tok, i) => argv[i] === tok);
}
