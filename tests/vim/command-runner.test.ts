/**
 * The command runners and `ip -batch`: the real execFile runner (exit codes,
 * stdin, timeouts, missing programs, detached programs with log files), the
 * recording fake, and the batch builder's token checks.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError, ValidationError } from '../../common/index.js';
import { ExecFileRunner, RecordingRunner, runIpBatch } from '../../vim/index.js';

const real = new ExecFileRunner();
let dir: string;
const started: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qnfv-vim-runner-'));
});

afterAll(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

describe('ExecFileRunner.run', () => {
  it('returns stdout and stderr of a successful command', async () => {
    expect(await real.run(['sh', '-c', 'echo out; echo err >&2'])).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 0 });
  });

  it('throws DriverError with argv, exit code and stderr, or returns the code with allowFailure', async () => {
    const argv = ['sh', '-c', 'echo oops >&2; exit 3'];
    const err = (await real.run(argv).catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.argv).toEqual(argv);
    expect(err.exitCode).toBe(3);
    expect(err.stderr).toBe('oops\n');
    expect(await real.run(argv, { allowFailure: true })).toMatchObject({ code: 3, stderr: 'oops\n' });
  });

  it('feeds input to stdin', async () => {
    expect((await real.run(['cat'], { input: 'line 1\nline 2\n' })).stdout).toBe('line 1\nline 2\n');
  });

  it('kills a command that overruns its timeout', async () => {
    const t0 = Date.now();
    const err = (await real.run(['sleep', '5'], { timeoutMs: 100 }).catch((e: unknown) => e)) as DriverError;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(DriverError);
    expect(err.exitCode).toBeNull();
    expect(err.message).toMatch(/timed out after 100 ms/);
  });

  it('reports a missing program as exit code 127', async () => {
    expect(await real.run(['qnfv-no-such-program'], { allowFailure: true })).toMatchObject({ code: 127 });
    await expect(real.run(['qnfv-no-such-program'])).rejects.toThrow(/qnfv-no-such-program: command not found/);
    await expect(real.run([])).rejects.toThrow(ValidationError);
  });
});

describe('ExecFileRunner.start', () => {
  it('starts a detached program with env and cwd, output appended to the log file', async () => {
    const logFile = join(dir, 'sub', 'p.log');
    const { pid } = await real.start(['sh', '-c', 'echo "hi $QNFV_X from $(pwd)"; exec sleep 30'], { logFile, env: { QNFV_X: 'there' }, cwd: dir });
    started.push(pid);
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(await readFile(logFile, 'utf8')).toBe(`hi there from ${dir}\n`);
  });

  it('rejects when the program dies during start-up, quoting its log', async () => {
    const logFile = join(dir, 'boom.log');
    await expect(real.start(['sh', '-c', 'echo boom; exit 4'], { logFile })).rejects.toThrow(/exit 4.*boom/);
    await expect(real.start(['qnfv-no-such-program'], { logFile })).rejects.toThrow(DriverError);
  });
});

describe('RecordingRunner', () => {
  it('records calls and answers from the most recent matching rule', async () => {
    const fake = new RecordingRunner(100)
      .on(['ip', 'netns'], { stdout: 'first' })
      .on(['ip', 'netns', 'list'], { stdout: 'second' })
      .on((argv) => argv[0] === 'false', { code: 1, stderr: 'no' });
    expect((await fake.run(['ip', 'netns', 'list'])).stdout).toBe('second');
    expect((await fake.run(['ip', 'netns', 'pids', 'x'])).stdout).toBe('first');
    expect(await fake.run(['other'])).toEqual({ stdout: '', stderr: '', code: 0 });
    await expect(fake.run(['false'])).rejects.toThrow(DriverError);
    expect((await fake.run(['false'], { allowFailure: true })).code).toBe(1);
    expect(await fake.start(['sleep', '1'], { logFile: '/x.log' })).toEqual({ pid: 100 });
    expect(fake.argvs()).toEqual([['ip', 'netns', 'list'], ['ip', 'netns', 'pids', 'x'], ['other'], ['false'], ['false'], ['sleep', '1']]);
    expect(fake.calls[5].type).toBe('start');
  });
});

describe('runIpBatch', () => {
  it('sends one command per line to `ip [-n NS] [-force] -batch -`', async () => {
    const fake = new RecordingRunner();
    await runIpBatch(fake, [['link', 'set', 'lo', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'wan0']], { namespace: 'qnfv-x', force: true });
    expect(fake.calls).toEqual([
      expect.objectContaining({ argv: ['ip', '-n', 'qnfv-x', '-force', '-batch', '-'], input: 'link set lo up\naddr add 10.0.0.1/24 dev wan0\n' }),
    ]);
    await runIpBatch(fake, []);
    expect(fake.calls).toHaveLength(1);
  });

  it('refuses tokens that iproute2 would split, quote, comment out or continue', async () => {
    const fake = new RecordingRunner();
    for (const bad of ['a b', 'a"b', "a'b", 'a#b', 'a\\', '', 'a\nb']) {
      await expect(runIpBatch(fake, [['link', 'set', 'lo', 'alias', bad]])).rejects.toThrow(ValidationError);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('names the failing line when the real ip fails', async () => {
    const err = (await runIpBatch(real, [['link', 'show', 'dev', 'lo'], ['link', 'show', 'dev', 'qzznothere0']]).catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.argv).toEqual(['ip', '-batch', '-']);
    expect(err.message).toMatch(/Command failed -:2 \(ip link show dev qzznothere0\)/);
  });
});
