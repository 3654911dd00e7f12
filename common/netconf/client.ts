/**
 * NETCONF client (RFC 6241) over SSH (RFC 6242) or any Duplex:
 *   1. open the `netconf` subsystem (host key pinned, see ssh-client.ts);
 *   2. exchange hellos in end-of-message framing, switch to chunked when the
 *      server offers base:1.1 (we always do);
 *   3. send rpcs with increasing message-ids; several may be outstanding,
 *      replies are matched by message-id (a reply without one, i.e. the
 *      server's malformed-message answer, goes to the oldest request);
 *   4. deliver RFC 5277 notifications to the subscription callback;
 *   5. `close()`: close-session, then close the transport.
 * A reply with rpc-errors of severity error rejects with NetconfRpcError (a
 * ProtocolError) whose message carries each error-tag and error-message.
 */
import type { Duplex } from 'node:stream';
import { ProtocolError, errorMessage } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { SshClient, type SshConnectOptions } from '../ssh/index.js';
import { CAP, CLOSE_TIMEOUT_MS, DEFAULT_RPC_TIMEOUT_MS, HELLO_TIMEOUT_MS, MAX_MESSAGE_BYTES, NETCONF_NS, NOTIFICATION_NS } from './constants.js';
import type { DefaultOperation, ErrorOption, TestOption } from './datastore.js';
import { FramedStream } from './framed-stream.js';
import type { FramingMode } from './framing.js';
import { buildHello, negotiateFraming, parseHello } from './hello.js';
import { parseNotification, type NetconfNotification } from './notification.js';
import { NetconfRpcError, parseRpcErrors } from './rpc-error.js';
import { buildRpc, parseMessage } from './rpc.js';
import { child, elem, escapeXml, parseXml, serializeXml, type XmlElement } from './xml-element.js';

/** Options of the NETCONF layer. */
export interface NetconfClientOptions {
  /** Capabilities to advertise besides base:1.0 and base:1.1. */
  capabilities?: readonly string[];
  /** Default time to wait for each reply. */
  rpcTimeoutMs?: number;
  /** Time to wait for the server's hello. */
  helloTimeoutMs?: number;
  maxMessageBytes?: number;
  logger?: Logger;
}

/** SSH and NETCONF options together. */
export type NetconfConnectOptions = SshConnectOptions & NetconfClientOptions;

/** XML text (one or more elements) or elements. */
export type XmlInput = string | readonly XmlElement[];

/** `<edit-config>` options (RFC 6241 §7.2). */
export interface EditConfigOptions {
  defaultOperation?: DefaultOperation;
  testOption?: TestOption;
  errorOption?: ErrorOption;
}

interface Pending {
  operation: string;
  resolve: (reply: XmlElement) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** One NETCONF session. */
export class NetconfClient {
  /** Session id the server assigned. */
  sessionId = 0;
  /** Capabilities from the server's hello. */
  serverCapabilities: string[] = [];
  /** Resolves when the transport has closed. */
  readonly closed: Promise<void>;

  private readonly io: FramedStream;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private helloWaiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private onNotification: ((n: NetconfNotification) => void) | undefined;
  private isClosed = false;
  private closing: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly rpcTimeoutMs: number;

  private constructor(
    stream: Duplex,
    private readonly opts: NetconfClientOptions,
    private readonly ssh: SshClient | undefined,
  ) {
    this.log = opts.logger ?? createLogger('netconf.client');
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    let onClosed!: () => void;
    this.closed = new Promise((resolve) => (onClosed = resolve));
    this.io = new FramedStream(
      stream,
      {
        message: (text) => this.onMessage(text),
        error: (err) => this.shutdown(new ProtocolError(`NETCONF session error: ${err.message}`, { cause: err })),
        end: () => this.io.end(),
        close: () => {
          this.shutdown(new ProtocolError('NETCONF session closed'));
          // The server ended the session (close/kill-session): the SSH connection has no further use.
          const done = this.ssh ? this.ssh.close() : Promise.resolve();
          void done.then(onClosed, onClosed);
        },
      },
      opts.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    );
  }

  /** Connect over SSH, open the `netconf` subsystem and exchange hellos. */
  static async connect(opts: NetconfConnectOptions): Promise<NetconfClient> {
    const ssh = await SshClient.connect(opts);
    try {
      const stream = await ssh.subsystem('netconf');
      return await NetconfClient.open(stream, opts, ssh);
    } catch (err) {
      await ssh.close();
      throw err;
    }
  }

  /** Run a session over an already open stream (tests, other transports). */
  static open(stream: Duplex, opts: NetconfClientOptions = {}, ssh?: SshClient): Promise<NetconfClient> {
    const c = new NetconfClient(stream, opts, ssh);
    return c.hello().then(() => c);
  }

  private hello(): Promise<void> {
    const ours = [CAP.BASE_1_0, CAP.BASE_1_1, ...(this.opts.capabilities ?? [])];
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.helloWaiter = undefined;
        this.io.destroy();
        reject(new ProtocolError('NETCONF server sent no hello'));
      }, this.opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
      this.helloWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.io.send(buildHello(ours));
    }).then(() => {
      this.log.debug('session open', { sessionId: this.sessionId, framing: this.io.framing });
    });
  }

  /** Framing in use after the hello exchange ('chunked' when the server offers base:1.1). */
  get framing(): FramingMode {
    return this.io.framing;
  }

  /** Send one operation (XML text or element) and resolve to the `<rpc-reply>`. */
  rpc(operation: string | XmlElement, opts: { timeoutMs?: number } = {}): Promise<XmlElement> {
    if (this.isClosed) return Promise.reject(new ProtocolError('NETCONF session is closed'));
    const id = String(this.nextId++);
    let text: string;
    try {
      text = buildRpc(id, operation);
    } catch (err) {
      return Promise.reject(err);
    }
    const name = typeof operation === 'string' ? (/<\s*(?:[\w.-]+:)?([\w.-]+)/.exec(operation)?.[1] ?? 'rpc') : operation.name;
    return new Promise<XmlElement>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ProtocolError(`NETCONF <${name}> (message-id ${id}) got no reply within ${opts.timeoutMs ?? this.rpcTimeoutMs} ms`));
      }, opts.timeoutMs ?? this.rpcTimeoutMs);
      this.pending.set(id, { operation: name, resolve, reject, timer });
      if (!this.io.send(text)) this.settle(id, undefined, new ProtocolError('NETCONF session is closed'));
    });
  }

  /** `<get>` (config and state); resolves to the children of `<data>`. */
  async get(filter?: XmlInput): Promise<XmlElement[]> {
    return dataOf(await this.rpc(`<get>${filterXml(filter)}</get>`));
  }

  /** `<get-config>`; resolves to the children of `<data>`. */
  async getConfig(source: 'running' | 'candidate' | 'startup' = 'running', filter?: XmlInput): Promise<XmlElement[]> {
    return dataOf(await this.rpc(`<get-config><source><${source}/></source>${filterXml(filter)}</get-config>`));
  }

  /**
   * `<edit-config>`: `config` is the content of `<config>` (a `<config>` element is unwrapped).
   * Elements go out as they are serialised; text is parsed first (it must be well-formed).
   */
  async editConfig(target: 'running' | 'candidate', config: XmlInput, opts: EditConfigOptions = {}): Promise<void> {
    if (typeof config !== 'string') {
      const els = config.length === 1 && config[0]!.name === 'config' && config[0]!.ns === NETCONF_NS ? config[0]!.children : config;
      const params: XmlElement[] = [];
      if (opts.defaultOperation) params.push(elem('default-operation', NETCONF_NS, [], opts.defaultOperation));
      if (opts.testOption) params.push(elem('test-option', NETCONF_NS, [], opts.testOption));
      if (opts.errorOption) params.push(elem('error-option', NETCONF_NS, [], opts.errorOption));
      await this.rpc(elem('edit-config', NETCONF_NS, [elem('target', NETCONF_NS, [elem(target, NETCONF_NS)]), ...params, elem('config', NETCONF_NS, [...els])]));
      return;
    }
    let params = '';
    if (opts.defaultOperation) params += `<default-operation>${opts.defaultOperation}</default-operation>`;
    if (opts.testOption) params += `<test-option>${opts.testOption}</test-option>`;
    if (opts.errorOption) params += `<error-option>${opts.errorOption}</error-option>`;
    await this.rpc(`<edit-config><target><${target}/></target>${params}<config>${configXml(config)}</config></edit-config>`);
  }

  /** `<lock>` a datastore. */
  async lock(target: 'running' | 'candidate' = 'running'): Promise<void> {
    await this.rpc(`<lock><target><${target}/></target></lock>`);
  }

  /** `<unlock>` a datastore. */
  async unlock(target: 'running' | 'candidate' = 'running'): Promise<void> {
    await this.rpc(`<unlock><target><${target}/></target></unlock>`);
  }

  /** `<kill-session>` another session. */
  async killSession(sessionId: number): Promise<void> {
    await this.rpc(`<kill-session><session-id>${sessionId}</session-id></kill-session>`);
  }

  /** RFC 5277 `<create-subscription>` on the NETCONF stream; notifications go to the callback. */
  async createSubscription(onNotification: (n: NetconfNotification) => void, opts: { filter?: XmlInput; stream?: string } = {}): Promise<void> {
    const stream = opts.stream ? `<stream>${escapeXml(opts.stream)}</stream>` : '';
    const filter = opts.filter === undefined ? '' : `<filter type="subtree">${xmlText(opts.filter, NOTIFICATION_NS)}</filter>`;
    if (this.onNotification) throw new ProtocolError('this NETCONF session already has a subscription (RFC 5277 allows one per session)');
    // Set before the reply: the server may send the first notification right after it.
    this.onNotification = onNotification;
    try {
      await this.rpc(`<create-subscription xmlns="${NOTIFICATION_NS}">${stream}${filter}</create-subscription>`);
    } catch (err) {
      this.onNotification = undefined;
      throw err;
    }
  }

  /** close-session (RFC 6241 §7.8), then close the transport. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.isClosed) {
        try {
          await this.rpc('<close-session/>', { timeoutMs: CLOSE_TIMEOUT_MS });
        } catch (err) {
          this.log.debug('close-session failed', { error: errorMessage(err) });
        }
      }
      this.io.end();
      if (this.ssh) await this.ssh.close();
      else this.io.destroy();
      await this.closed;
    })();
    return this.closing;
  }

  private onMessage(text: string): void {
    let msg: XmlElement;
    try {
      msg = parseMessage(text);
    } catch (err) {
      this.shutdown(new ProtocolError(`NETCONF server sent malformed XML: ${errorMessage(err)}`));
      this.io.destroy();
      return;
    }
    if (this.helloWaiter) {
      const waiter = this.helloWaiter;
      this.helloWaiter = undefined;
      try {
        const hello = parseHello(msg);
        if (hello.sessionId === undefined) throw new ProtocolError('NETCONF server hello has no session-id');
        const framing = negotiateFraming([CAP.BASE_1_0, CAP.BASE_1_1], hello.capabilities);
        if (framing === undefined) throw new ProtocolError('NETCONF server supports neither base:1.0 nor base:1.1');
        // Synchronously, so that bytes after the hello are decoded chunked.
        if (framing === 'chunked') this.io.useChunked();
        this.sessionId = hello.sessionId;
        this.serverCapabilities = hello.capabilities;
        waiter.resolve();
      } catch (err) {
        waiter.reject(err instanceof Error ? err : new Error(String(err)));
        this.io.destroy();
      }
      return;
    }
    if (msg.name === 'notification' && msg.ns === NOTIFICATION_NS) {
      try {
        this.onNotification?.(parseNotification(msg));
      } catch (err) {
        this.log.warn('notification dropped', { error: errorMessage(err) });
      }
      return;
    }
    if (msg.name !== 'rpc-reply' || msg.ns !== NETCONF_NS) {
      this.log.warn('unexpected NETCONF message ignored', { element: msg.name });
      return;
    }
    const id = msg.attrs['message-id'] ?? this.pending.keys().next().value;
    if (id === undefined || !this.pending.has(id)) {
      this.log.debug('reply to no pending rpc ignored', { messageId: id });
      return;
    }
    const op = this.pending.get(id)!.operation;
    const errors = parseRpcErrors(msg).filter((e) => e.severity === 'error');
    if (errors.length > 0) this.settle(id, undefined, new NetconfRpcError(errors, `NETCONF <${op}> failed`));
    else this.settle(id, msg);
  }

  private settle(id: string, reply: XmlElement | undefined, err?: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(reply!);
  }

  private shutdown(err: Error): void {
    this.isClosed = true;
    if (this.helloWaiter) {
      this.helloWaiter.reject(err);
      this.helloWaiter = undefined;
    }
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, err);
  }
}

/** The children of a reply's `<data>`. */
function dataOf(reply: XmlElement): XmlElement[] {
  return child(reply, 'data', NETCONF_NS)?.children ?? [];
}

function xmlText(x: XmlInput, parentNs: string): string {
  return typeof x === 'string' ? x : x.map((e) => serializeXml(e, parentNs)).join('');
}

function filterXml(filter: XmlInput | undefined): string {
  return filter === undefined ? '' : `<filter type="subtree">${xmlText(filter, NETCONF_NS)}</filter>`;
}

/** Config content; a single `<config>` root (base namespace) is unwrapped. */
function configXml(config: XmlInput): string {
  const els = typeof config === 'string' ? parseXml(`<config xmlns="${NETCONF_NS}">${config}</config>`).children : config;
  if (els.length === 1 && els[0]!.name === 'config' && els[0]!.ns === NETCONF_NS) {
    return els[0]!.children.map((e) => serializeXml(e, NETCONF_NS)).join('');
  }
  return typeof config === 'string' ? config : xmlText(config, NETCONF_NS);
}
