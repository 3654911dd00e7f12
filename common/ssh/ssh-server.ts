/**
 * An SSH server (RFC 4253/4252/4254) on the ssh2 library that offers only
 * named subsystems (RFC 4254 §6.5), e.g. `netconf` (RFC 6242 §3) or qnfv's
 * JSON-RPC channel. Shell, exec, pty, env, agent and X11 requests, port
 * forwarding and unknown subsystems are refused.
 * Authentication (RFC 4252 §7, §8): publickey and password. ssh2 hands the
 * publickey signature to the application without checking it, so this file
 * verifies it against the offered key before the authenticator is asked
 * (FEASIBILITY §5 "ssh2 server pitfall"); a key query without signature
 * only gets PK_OK when the authenticator would accept the key.
 * The server owns its TCP listener and injects sockets into ssh2, so that
 * `close()` can end, and if need be destroy, every client connection.
 */
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, PublicKeyAuthContext } from 'ssh2';
import { ValidationError, errorMessage } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { AUTH_METHODS, CLOSE_GRACE_MS, LOGIN_GRACE_MS, MAX_AUTH_ATTEMPTS } from './constants.js';
import { fingerprintOfBlob } from './host-keys.js';
import { SubsystemStream } from './subsystem-stream.js';
import { userTable, type SshAuthenticator, type SshIdentity, type SshUser } from './ssh-auth.js';

const { Server: Ssh2Server, utils } = ssh2;

/** What a subsystem handler learns about the session it serves. */
export interface SshSessionInfo extends SshIdentity {
  remoteAddress: string;
  remotePort: number;
}

/** Serves one subsystem channel; it owns the stream from then on (ending it sends exit-status 0 and closes the channel). */
export type SubsystemHandler = (stream: Duplex, session: SshSessionInfo) => void;

export interface SshServerOptions {
  /** Host private keys (OpenSSH or PEM text); one per key type is used. */
  hostKeys: (string | Buffer)[];
  /** An authenticator, or a static user table (see `userTable`). */
  authenticate: SshAuthenticator | readonly SshUser[];
  /** Subsystem name → handler. */
  subsystems: Record<string, SubsystemHandler>;
  logger?: Logger;
  /** Drop connections that have not authenticated in this many ms. */
  loginGraceMs?: number;
  /** Drop a connection after this many failed authentication attempts. */
  maxAuthAttempts?: number;
}

/** An SSH server offering subsystems only. */
export class SshServer {
  private readonly ssh: InstanceType<typeof Ssh2Server>;
  private readonly authenticate: SshAuthenticator;
  private readonly log: Logger;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<Connection>();
  private tcp: NetServer | undefined;

  constructor(private readonly opts: SshServerOptions) {
    if (opts.hostKeys.length === 0) throw new ValidationError('SshServer: hostKeys must not be empty');
    this.authenticate = typeof opts.authenticate === 'function' ? opts.authenticate : userTable(opts.authenticate);
    this.log = opts.logger ?? createLogger('ssh.server');
    this.ssh = new Ssh2Server({ hostKeys: opts.hostKeys, ident: 'qnfv' }, (conn, info) => this.onConnection(conn, info.ip, info.port));
  }

  /** Start listening (port 0 picks a free one); resolves to the bound address. */
  async listen(port = 0, host = '127.0.0.1'): Promise<{ address: string; port: number }> {
    if (this.tcp) throw new ValidationError('SshServer is already listening');
    const tcp = createServer((socket) => {
      // Small pipelined replies: no Nagle delay (see ssh-client.ts).
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.ssh.injectSocket(socket);
    });
    this.tcp = tcp;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.tcp = undefined;
      throw err;
    }
    tcp.on('error', (err) => this.log.error('listener error', { error: errorMessage(err) }));
    const a = tcp.address() as AddressInfo;
    this.log.info('listening', { address: a.address, port: a.port });
    return { address: a.address, port: a.port };
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Stop listening and disconnect every client (destroying sockets that linger). */
  async close(): Promise<void> {
    const tcp = this.tcp;
    this.tcp = undefined;
    const closed = tcp ? new Promise<void>((resolve) => tcp.close(() => resolve())) : Promise.resolve();
    for (const c of this.connections) c.end();
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, CLOSE_GRACE_MS);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
    }
  }

  private onConnection(conn: Connection, remoteAddress: string, remotePort: number): void {
    this.connections.add(conn);
    const log = this.log.child(`${remoteAddress}:${remotePort}`);
    let identity: SshIdentity | undefined;
    let failures = 0;
    const grace = setTimeout(() => {
      log.warn('authentication timed out');
      conn.end();
    }, this.opts.loginGraceMs ?? LOGIN_GRACE_MS);

    conn.on('authentication', (ctx: AuthContext) => {
      this.decide(ctx)
        .then((id) => {
          if (id) {
            if (ctx.method === 'publickey' && !ctx.signature) {
              ctx.accept(); // PK_OK: the client may now sign with this key
              return;
            }
            identity = id;
            log.info('authenticated', { user: id.user, method: ctx.method });
            ctx.accept();
            return;
          }
          if (ctx.method !== 'none' && !(ctx.method === 'publickey' && !ctx.signature)) {
            failures++;
            log.warn('authentication failed', { user: ctx.username, method: ctx.method });
          }
          ctx.reject([...AUTH_METHODS]);
          if (failures >= (this.opts.maxAuthAttempts ?? MAX_AUTH_ATTEMPTS)) conn.end();
        })
        .catch((err: unknown) => {
          log.error('authenticator failed', { user: ctx.username, error: errorMessage(err) });
          ctx.reject([...AUTH_METHODS]);
        });
    });

    conn.on('ready', () => {
      clearTimeout(grace);
      const id = identity!;
      conn.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptSub, reject, info) => {
          const handler = Object.prototype.hasOwnProperty.call(this.opts.subsystems, info.name) ? this.opts.subsystems[info.name] : undefined;
          if (!handler) {
            log.warn('subsystem refused', { user: id.user, subsystem: info.name });
            reject();
            return;
          }
          const stream = new SubsystemStream(acceptSub());
          log.debug('subsystem started', { user: id.user, subsystem: info.name });
          try {
            handler(stream, { user: id.user, groups: [...id.groups], remoteAddress, remotePort });
          } catch (err) {
            log.error('subsystem handler failed', { subsystem: info.name, error: errorMessage(err) });
            stream.destroy();
          }
        });
        for (const kind of ['exec', 'shell', 'pty', 'env', 'x11', 'auth-agent', 'signal', 'sftp'] as const) {
          session.on(kind, (_accept: unknown, reject?: () => void) => {
            log.debug('session request refused', { user: id.user, request: kind });
            reject?.();
          });
        }
      });
      conn.on('request', (_accept, reject, name) => {
        log.debug('global request refused', { request: name });
        reject?.();
      });
    });
    conn.on('error', (err) => log.debug('connection error', { error: errorMessage(err) }));
    conn.on('close', () => {
      clearTimeout(grace);
      this.connections.delete(conn);
    });
  }

  /** Verify the attempt (signature first for publickey), then ask the authenticator. */
  private async decide(ctx: AuthContext): Promise<SshIdentity | undefined> {
    if (ctx.method === 'password') {
      return this.authenticate({ method: 'password', user: ctx.username, password: ctx.password });
    }
    if (ctx.method === 'publickey') {
      if (ctx.signature && !verifySignature(ctx)) {
        this.log.warn('publickey signature invalid', { user: ctx.username, key: fingerprintOfBlob(ctx.key.data) });
        return undefined;
      }
      return this.authenticate({ method: 'publickey', user: ctx.username, publicKey: ctx.key.data });
    }
    return undefined;
  }
}

/** RFC 4252 §7: the signature over the session data must verify with the offered public key. */
function verifySignature(ctx: PublicKeyAuthContext): boolean {
  if (!ctx.signature || !ctx.blob) return false;
  const key = utils.parseKey(ctx.key.data);
  if (key instanceof Error) return false;
  try {
    return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
  } catch {
    return false;
  }
}
