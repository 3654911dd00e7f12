/**
 * An SSH client (RFC 4253/4252/4254) on the ssh2 library for subsystem
 * channels (RFC 4254 §6.5) such as `netconf` (RFC 6242 §3). The server's host
 * key is pinned: the caller passes its OpenSSH `SHA256:` fingerprint and the
 * connection is refused, naming both fingerprints, when the key differs
 * (RFC 4251 §4.1: the client must verify the host key). Authentication is
 * publickey or password; no agent, no keyboard-interactive. Errors are
 * ProtocolErrors that say what failed and where, never carrying key bytes or
 * passwords.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import { ProtocolError, ValidationError, errorMessage } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { DEFAULT_READY_TIMEOUT_MS, FINGERPRINT_PATTERN } from './constants.js';
import { fingerprintOfBlob } from './host-keys.js';

const { Client } = ssh2;

export interface SshConnectOptions {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key text (secret). */
  privateKey?: string | Buffer;
  /** Password (secret); used when no private key is given, or after it fails. */
  password?: string;
  /** Pinned host key fingerprint(s), `SHA256:…` as `ssh-keygen -l` prints them. */
  hostKeyFingerprint: string | readonly string[];
  /** Milliseconds for handshake and authentication. */
  readyTimeout?: number;
  logger?: Logger;
}

/** Connect and authenticate; resolves to a client that opens subsystems. */
export function connectSsh(opts: SshConnectOptions): Promise<SshClient> {
  return SshClient.connect(opts);
}

/** One authenticated SSH connection. */
export class SshClient {
  private closedFlag = false;
  /** Resolves when the connection has closed, for whatever reason. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly conn: InstanceType<typeof Client>,
    /** Fingerprint of the server's host key (the pinned one). */
    readonly hostKeyFingerprint: string,
    private readonly where: string,
    log: Logger,
  ) {
    this.closed = new Promise((resolve) => {
      conn.once('close', () => {
        this.closedFlag = true;
        resolve();
      });
    });
    conn.on('error', (err) => log.debug('connection error', { error: errorMessage(err) }));
  }

  /** Connect and authenticate; resolves to a client that opens subsystems. */
  static async connect(opts: SshConnectOptions): Promise<SshClient> {
    const pinned = typeof opts.hostKeyFingerprint === 'string' ? [opts.hostKeyFingerprint] : [...opts.hostKeyFingerprint];
    if (pinned.length === 0 || pinned.some((f) => !FINGERPRINT_PATTERN.test(f))) {
      throw new ValidationError(`hostKeyFingerprint must be 'SHA256:' followed by 43 base64 characters (ssh-keygen -l), got ${JSON.stringify(opts.hostKeyFingerprint)}`);
    }
    if (opts.privateKey === undefined && opts.password === undefined) {
      throw new ValidationError('SSH connect: give privateKey or password');
    }
    const where = `${opts.username}@${opts.host}:${opts.port}`;
    const log = (opts.logger ?? createLogger('ssh.client')).child(`${opts.host}:${opts.port}`);
    const conn = new Client();
    let seen: string | undefined;
    const config: ConnectConfig = {
      host: opts.host,
      port: opts.port,
      username: opts.username,
      readyTimeout: opts.readyTimeout ?? DEFAULT_READY_TIMEOUT_MS,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        seen = fingerprintOfBlob(key);
        return pinned.includes(seen);
      },
    };
    if (opts.privateKey !== undefined) config.privateKey = opts.privateKey;
    if (opts.password !== undefined) config.password = opts.password;

    return new Promise<SshClient>((resolve, reject) => {
      const onError = (err: Error & { level?: string }): void => {
        conn.removeListener('ready', onReady);
        conn.end();
        reject(describeFailure(err, where, pinned, seen));
      };
      const onReady = (): void => {
        conn.removeListener('error', onError);
        // Requests are small and pipelined: without this, Nagle's algorithm holds a request while an
        // earlier one is unacknowledged and the peer delays its ACK (up to 40 ms on Linux).
        conn.setNoDelay(true);
        log.debug('connected', { user: opts.username, hostKey: seen });
        resolve(new SshClient(conn, seen!, where, log));
      };
      conn.once('error', onError);
      conn.once('ready', onReady);
      try {
        conn.connect(config);
      } catch (err) {
        // ssh2 throws synchronously on a private key it cannot parse.
        reject(new ValidationError(`SSH connect to ${where}: ${errorMessage(err)}`));
      }
    });
  }

  /** Open a session channel and request the named subsystem on it. */
  subsystem(name: string): Promise<Duplex> {
    if (this.closedFlag) return Promise.reject(new ProtocolError(`SSH connection to ${this.where} is closed`));
    return new Promise((resolve, reject) => {
      this.conn.subsys(name, (err, stream) => {
        if (err) reject(new ProtocolError(`SSH server ${this.where} refused subsystem '${name}': ${err.message}`, { cause: err }));
        else resolve(stream);
      });
    });
  }

  /** Disconnect; resolves when the connection is closed. */
  async close(): Promise<void> {
    if (!this.closedFlag) this.conn.end();
    await this.closed;
  }
}

function describeFailure(err: Error & { level?: string }, where: string, pinned: string[], seen: string | undefined): ProtocolError {
  if (seen !== undefined && !pinned.includes(seen)) {
    return new ProtocolError(
      `SSH host key of ${where} is ${seen}, but ${pinned.join(' or ')} is pinned: refusing to connect (host key changed or wrong host)`,
      { cause: err },
    );
  }
  switch (err.level) {
    case 'client-authentication':
      return new ProtocolError(`SSH authentication to ${where} failed: ${err.message}`, { cause: err });
    case 'client-timeout':
      return new ProtocolError(`SSH connect to ${where} timed out during handshake`, { cause: err });
    default:
      return new ProtocolError(`SSH connect to ${where} failed: ${err.message}`, { cause: err });
  }
}
