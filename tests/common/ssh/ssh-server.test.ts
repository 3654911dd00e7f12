import ssh2 from 'ssh2';
import { configureLogging } from '../../../common/index.js';
import { ProtocolError } from '../../../common/errors.js';
import { SshClient, SshServer, fingerprint, generateKeyPair, type SshSessionInfo } from '../../../common/ssh/index.js';
import { echoSubsystem, keyFile, opensshArgs, readUntil, run, tempDir } from './ssh-fixtures.js';

configureLogging({ console: false });

const host = generateKeyPair('host');
const admin = generateKeyPair('admin');
const stranger = generateKeyPair('stranger');

describe('SSH server and client over 127.0.0.1', () => {
  let server: SshServer;
  let port: number;
  const sessions: SshSessionInfo[] = [];

  beforeAll(async () => {
    server = new SshServer({
      hostKeys: [host.privateKey],
      authenticate: [
        { user: 'admin', groups: ['admin'], authorizedKeys: [admin.publicKey] },
        { user: 'oper', groups: ['operators'], password: 'correct horse' },
      ],
      subsystems: {
        echo: (stream, session) => {
          sessions.push(session);
          echoSubsystem(stream, session);
        },
      },
    });
    ({ port } = await server.listen(0, '127.0.0.1'));
  });
  afterAll(() => server.close());

  const base = () => ({ host: '127.0.0.1', port, hostKeyFingerprint: fingerprint(host.publicKey) });

  it('authenticates with publickey and runs a subsystem as that identity', async () => {
    const c = await SshClient.connect({ ...base(), username: 'admin', privateKey: admin.privateKey });
    expect(c.hostKeyFingerprint).toBe(fingerprint(host.publicKey));
    const s = await c.subsystem('echo');
    expect(await readUntil(s, /\n/)).toBe('hello admin [admin]\n');
    s.write('ping');
    expect(await readUntil(s, /ping/)).toBe('ping');
    expect(sessions.at(-1)).toMatchObject({ user: 'admin', groups: ['admin'], remoteAddress: '127.0.0.1' });
    await c.close();
  });

  it('authenticates with a password and refuses a wrong one', async () => {
    const c = await SshClient.connect({ ...base(), username: 'oper', password: 'correct horse' });
    const s = await c.subsystem('echo');
    expect(await readUntil(s, /\n/)).toBe('hello oper [operators]\n');
    await c.close();
    await expect(SshClient.connect({ ...base(), username: 'oper', password: 'correct horsE' })).rejects.toThrow(/SSH authentication to oper@127\.0\.0\.1:\d+ failed/);
    await expect(SshClient.connect({ ...base(), username: 'nobody', password: 'correct horse' })).rejects.toThrow(/authentication/);
  });

  it('refuses a publickey that is not authorized, also for another user', async () => {
    await expect(SshClient.connect({ ...base(), username: 'admin', privateKey: stranger.privateKey })).rejects.toThrow(/authentication/);
    await expect(SshClient.connect({ ...base(), username: 'oper', privateKey: admin.privateKey })).rejects.toThrow(/authentication/);
  });

  it('verifies the publickey signature itself (an authorized key with a signature by another key is refused)', async () => {
    // An "agent" that offers the authorized public key but signs with `signer`.
    const attempt = (signer: string): Promise<void> => {
      const signKey = ssh2.utils.parseKey(signer) as ssh2.ParsedKey;
      class Agent extends ssh2.BaseAgent {
        override getIdentities(cb: (err: Error | undefined, keys?: string[]) => void): void {
          cb(undefined, [admin.publicKey]);
        }
        override sign(_pub: unknown, data: Buffer, options: unknown, cb?: (err: Error | undefined, sig?: Buffer) => void): void {
          const done = typeof options === 'function' ? (options as typeof cb) : cb;
          done!(undefined, signKey.sign(data));
        }
      }
      return new Promise((resolve, reject) => {
        const conn = new ssh2.Client();
        conn.once('ready', () => {
          conn.end();
          resolve();
        });
        conn.once('error', reject);
        conn.connect({ host: '127.0.0.1', port, username: 'admin', agent: new Agent(), tryKeyboard: false, readyTimeout: 5000 });
      });
    };
    await expect(attempt(admin.privateKey)).resolves.toBeUndefined();
    await expect(attempt(stranger.privateKey)).rejects.toThrow(/authentication methods failed/);
  });

  it('refuses a server whose host key does not match the pinned fingerprint', async () => {
    const other = fingerprint(generateKeyPair().publicKey);
    const err = await SshClient.connect({ ...base(), hostKeyFingerprint: other, username: 'admin', privateKey: admin.privateKey }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toContain(`is ${fingerprint(host.publicKey)}, but ${other} is pinned: refusing to connect`);
  });

  it('rejects a malformed pinned fingerprint, and missing credentials, before connecting', async () => {
    await expect(SshClient.connect({ ...base(), hostKeyFingerprint: 'abc', username: 'admin', password: 'x' })).rejects.toThrow(/hostKeyFingerprint/);
    await expect(SshClient.connect({ ...base(), username: 'admin' })).rejects.toThrow(/give privateKey or password/);
  });

  it('refuses unknown subsystems', async () => {
    const c = await SshClient.connect({ ...base(), username: 'admin', privateKey: admin.privateKey });
    await expect(c.subsystem('sftp')).rejects.toThrow(/refused subsystem 'sftp'/);
    await expect(c.subsystem('netconf')).rejects.toThrow(/refused subsystem 'netconf'/);
    await c.close();
  });

  describe('with OpenSSH as the client', () => {
    let dir: { dir: string; cleanup: () => Promise<void> };
    let adminKey: string;
    let strangerKey: string;
    beforeAll(async () => {
      dir = await tempDir();
      adminKey = (await keyFile(dir.dir, 'admin', admin)).path;
      strangerKey = (await keyFile(dir.dir, 'stranger', stranger)).path;
    });
    afterAll(() => dir.cleanup());

    it('logs in with publickey and uses a subsystem (-s)', async () => {
      const r = await run('ssh', [...opensshArgs(port, adminKey), '-s', 'echo'], { input: 'abc quit' });
      expect({ out: r.stdout, err: r.stderr, code: r.code }).toEqual({ out: 'hello admin [admin]\nbye\n', err: '', code: 0 });
    });

    it('is refused exec, shell, an unknown key, and an unknown subsystem', async () => {
      const exec = await run('ssh', [...opensshArgs(port, adminKey), 'echo', 'pwned'], { input: '' });
      expect(exec.code).not.toBe(0);
      expect(exec.stdout).not.toContain('pwned');
      const shell = await run('ssh', [...opensshArgs(port, adminKey), '-T'], { input: 'echo pwned\n' });
      expect(shell.code).not.toBe(0);
      expect(shell.stdout).toBe('');
      const unknownKey = await run('ssh', [...opensshArgs(port, strangerKey), '-s', 'echo'], { input: '' });
      expect(unknownKey.code).toBe(255);
      expect(unknownKey.stderr).toMatch(/Permission denied \(publickey,password\)/);
      const unknownSub = await run('ssh', [...opensshArgs(port, adminKey), '-s', 'nope'], { input: '' });
      expect(unknownSub.code).not.toBe(0);
    });
  });

  it('close() disconnects clients', async () => {
    const s2 = new SshServer({ hostKeys: [host.privateKey], authenticate: [{ user: 'admin', authorizedKeys: [admin.publicKey] }], subsystems: { echo: echoSubsystem } });
    const { port: p2 } = await s2.listen(0);
    const c = await SshClient.connect({ ...base(), port: p2, username: 'admin', privateKey: admin.privateKey });
    const s = await c.subsystem('echo');
    await readUntil(s, /\n/);
    expect(s2.connectionCount).toBe(1);
    await s2.close();
    await c.closed;
    expect(s2.connectionCount).toBe(0);
    await expect(c.subsystem('echo')).rejects.toThrow(/closed/);
  });
});
