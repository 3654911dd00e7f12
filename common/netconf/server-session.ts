/**
 * One NETCONF server session (RFC 6241 §2, §8.1; RFC 6242 §3–4):
 *   1. send our hello with the session-id (end-of-message framing);
 *   2. wait for the client's hello (it must not carry a session-id), pick the
 *      framing both support, switch to chunked when both say base:1.1;
 *   3. process rpcs one at a time in arrival order (replies keep the order,
 *      a client may pipeline), interleaved with RFC 5277 notifications;
 *   4. end on close-session, kill-session, EOF (after pending replies),
 *      framing errors, a bad hello, or a hello timeout.
 * The server-wide state (locks, other sessions, the datastore) lives in
 * NetconfServer, reached through `SessionHost`. Message contents are never
 * logged: edit-config carries key leaves.
 */
import type { Duplex } from 'node:stream';
import { ProtocolError, QnfvError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { NETCONF_NS, NOTIFICATION_NS } from './constants.js';
import type { NetconfDatastore, NetconfSessionInfo } from './datastore.js';
import { FramedStream } from './framed-stream.js';
import { buildHello, negotiateFraming, parseHello } from './hello.js';
import { buildNotification, parseCreateSubscription, type SubscriptionRequest } from './notification.js';
import { datastoreRef, editConfigParams, filterParam, killSessionParam } from './operations.js';
import { errorInfo, rpcError, toRpcErrors } from './rpc-error.js';
import { buildReply, dataReply, errorReply, okReply, parseMessage, parseRpc, type Rpc } from './rpc.js';
import { applySubtreeFilter } from './subtree-filter.js';
import type { XmlElement } from './xml-element.js';

/** What a session needs from its server. */
export interface SessionHost {
  readonly datastore: NetconfDatastore;
  readonly capabilities: readonly string[];
  readonly helloTimeoutMs: number;
  readonly maxMessageBytes: number;
  authorize(operation: XmlElement, session: NetconfSessionInfo): boolean | Promise<boolean>;
  /** Session id holding the running lock, if any. */
  lockHolder(): number | undefined;
  setLockHolder(sessionId: number | undefined): void;
  /** Terminate another session (kill-session); false when there is none with that id. */
  kill(sessionId: number, by: number): boolean;
  /** The session has ended: forget it and release what it held. */
  ended(session: ServerSession): void;
}

type State = 'hello' | 'open' | 'closed';

/** Base operations this server does not implement (their capabilities are not advertised). */
const UNSUPPORTED = new Set(['copy-config', 'delete-config', 'validate', 'commit', 'discard-changes', 'cancel-commit']);

/** One client's NETCONF session. */
export class ServerSession {
  private state: State = 'hello';
  private readonly io: FramedStream;
  private subscription: SubscriptionRequest | undefined;
  private pendingSubscription: SubscriptionRequest | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly host: SessionHost,
    stream: Duplex,
    readonly info: NetconfSessionInfo,
    private readonly log: Logger,
  ) {
    this.io = new FramedStream(
      stream,
      {
        message: (text) => this.onMessage(text),
        error: (err) => {
          log.warn('session stream error', { error: errorMessage(err) });
          this.finish();
        },
        // EOF: answer what was already received, then close.
        end: () => {
          void this.queue.then(() => this.terminate('client closed its side'));
        },
        close: () => this.finish(),
      },
      host.maxMessageBytes,
    );
    this.helloTimer = setTimeout(() => this.terminate('no hello from client'), host.helloTimeoutMs);
    if (stream.destroyed) {
      // Closed before we got it: 'close' will not fire again.
      queueMicrotask(() => this.finish());
      return;
    }
    this.io.send(buildHello(host.capabilities, info.sessionId));
  }

  /** True while the session may receive notifications. */
  get subscribed(): boolean {
    return this.state === 'open' && this.subscription !== undefined;
  }

  /** Send a notification if the session subscribed and its filter selects the event; true when sent. */
  notify(content: readonly XmlElement[], eventTime: Date): boolean {
    if (!this.subscribed) return false;
    const selected = this.subscription!.filter === undefined ? [...content] : applySubtreeFilter(content, this.subscription!.filter);
    if (selected.length === 0) return false;
    return this.io.send(buildNotification(selected, eventTime));
  }

  /** End the session: stop reading, close the transport, release locks. */
  terminate(reason: string): void {
    if (this.state === 'closed') return;
    this.log.info('session ending', { sessionId: this.info.sessionId, reason });
    this.io.end();
    this.finish();
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    this.subscription = undefined;
    this.host.ended(this);
  }

  private onMessage(text: string): void {
    if (this.state === 'hello') this.onHello(text);
    else if (this.state === 'open') {
      this.queue = this.queue
        .then(() => this.onRpc(text))
        .catch((err: unknown) => {
          // onRpc answers handler errors itself; this is a failure to send.
          this.log.error('session failed', { sessionId: this.info.sessionId, error: errorMessage(err) });
          this.terminate('internal error');
        });
    }
  }

  private onHello(text: string): void {
    try {
      const hello = parseHello(parseMessage(text));
      if (hello.sessionId !== undefined) throw new ProtocolError('a client hello must not contain a session-id (RFC 6241 §8.1)');
      const framing = negotiateFraming(this.host.capabilities, hello.capabilities);
      if (framing === undefined) throw new ProtocolError('no common NETCONF base version');
      if (framing === 'chunked') this.io.useChunked();
      clearTimeout(this.helloTimer);
      this.state = 'open';
      this.log.info('session open', { sessionId: this.info.sessionId, user: this.info.user, framing });
    } catch (err) {
      this.log.warn('bad hello', { sessionId: this.info.sessionId, error: errorMessage(err) });
      this.terminate('bad hello');
    }
  }

  private async onRpc(text: string): Promise<void> {
    if (this.state !== 'open') return;
    let rpc: Rpc | undefined;
    let closeAfter = false;
    let reply: string;
    try {
      let root: XmlElement;
      try {
        root = parseMessage(text);
      } catch (err) {
        throw rpcError('malformed-message', errorMessage(err), { type: 'rpc' });
      }
      try {
        rpc = parseRpc(root);
      } catch (err) {
        // Echo what the request had (RFC 6241 §4.2), even without a message-id.
        if (root.name === 'rpc' && root.ns === NETCONF_NS) rpc = { messageId: '', attrs: root.attrs, attrNs: root.attrNs, operation: root };
        throw err;
      }
      const op = rpc.operation;
      this.log.debug('rpc', { sessionId: this.info.sessionId, operation: op.name });
      closeAfter = op.name === 'close-session' && op.ns === NETCONF_NS;
      reply = await this.dispatch(rpc, op);
    } catch (err) {
      if (!(err instanceof QnfvError)) {
        this.log.error('rpc handler failed', { sessionId: this.info.sessionId, error: errorMessage(err) });
      }
      closeAfter = false;
      reply = errorReply(rpc, toRpcErrors(err));
    }
    // kill-session of this session by another may have happened meanwhile.
    if (this.state !== 'open') return;
    this.io.send(reply);
    if (this.pendingSubscription !== undefined) {
      this.subscription = this.pendingSubscription;
      this.pendingSubscription = undefined;
    }
    if (closeAfter) this.terminate('close-session');
  }

  private async dispatch(rpc: Rpc, op: XmlElement): Promise<string> {
    const base = op.ns === NETCONF_NS;
    if (!(base && op.name === 'close-session') && !(await this.host.authorize(op, this.info))) {
      throw rpcError('access-denied', `user '${this.info.user}' may not invoke <${op.name}>`, { path: `/${op.name}` });
    }
    const ds = this.host.datastore;
    if (base) {
      switch (op.name) {
        case 'get': {
          const filter = filterParam(op);
          return dataReply(rpc, applySubtreeFilter(await ds.get(filter, this.info), filter));
        }
        case 'get-config': {
          const source = datastoreRef(op, 'source');
          const filter = filterParam(op);
          return dataReply(rpc, applySubtreeFilter(await ds.getConfig(source, filter, this.info), filter));
        }
        case 'edit-config': {
          const req = editConfigParams(op);
          this.checkNotLockedByOther();
          await ds.editConfig(req, this.info);
          return okReply(rpc);
        }
        case 'lock':
          return this.lock(rpc, op);
        case 'unlock':
          return this.unlock(rpc, op);
        case 'close-session':
          return okReply(rpc);
        case 'kill-session':
          return this.killSession(rpc, op);
      }
      const why = UNSUPPORTED.has(op.name) ? 'is not supported by this server' : 'is not a NETCONF operation';
      throw rpcError('operation-not-supported', `<${op.name}> ${why}`, { type: 'protocol' });
    }
    if (op.ns === NOTIFICATION_NS && op.name === 'create-subscription') return this.createSubscription(rpc, op);
    if (ds.rpc) {
      const out = await ds.rpc(op, this.info);
      return out.length === 0 ? okReply(rpc) : buildReply(rpc, out);
    }
    throw rpcError('operation-not-supported', `operation <${op.name}> in '${op.ns}' is not supported`, { type: 'protocol' });
  }

  private checkNotLockedByOther(): void {
    const holder = this.host.lockHolder();
    if (holder !== undefined && holder !== this.info.sessionId) {
      throw rpcError('in-use', `the running datastore is locked by session ${holder}`, { type: 'protocol', info: errorInfo({ 'session-id': holder }) });
    }
  }

  private lock(rpc: Rpc, op: XmlElement): string {
    datastoreRef(op, 'target');
    const holder = this.host.lockHolder();
    // RFC 6241 §7.5: denied while any session, this one included, holds the lock.
    if (holder !== undefined) {
      throw rpcError('lock-denied', `the running datastore is already locked by session ${holder}`, {
        type: 'protocol',
        info: errorInfo({ 'session-id': holder }),
      });
    }
    this.host.setLockHolder(this.info.sessionId);
    return okReply(rpc);
  }

  private unlock(rpc: Rpc, op: XmlElement): string {
    datastoreRef(op, 'target');
    if (this.host.lockHolder() !== this.info.sessionId) {
      throw rpcError('operation-failed', 'this session does not hold the lock on the running datastore', { type: 'protocol' });
    }
    this.host.setLockHolder(undefined);
    return okReply(rpc);
  }

  private killSession(rpc: Rpc, op: XmlElement): string {
    const id = killSessionParam(op);
    if (id === this.info.sessionId) {
      throw rpcError('invalid-value', 'a session cannot kill itself (use close-session)', { type: 'protocol', info: errorInfo({ 'bad-element': 'session-id' }) });
    }
    if (!this.host.kill(id, this.info.sessionId)) {
      throw rpcError('invalid-value', `no session ${id}`, { type: 'protocol', info: errorInfo({ 'bad-element': 'session-id' }) });
    }
    return okReply(rpc);
  }

  private createSubscription(rpc: Rpc, op: XmlElement): string {
    if (this.subscription !== undefined || this.pendingSubscription !== undefined) {
      throw rpcError('in-use', 'this session already has a subscription (RFC 5277 §2.1.1)', { type: 'protocol' });
    }
    const req = parseCreateSubscription(op);
    // Active once the reply is sent (onRpc), so no notification precedes it.
    this.pendingSubscription = req;
    return okReply(rpc);
  }
}
