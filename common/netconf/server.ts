/**
 * NETCONF server (RFC 6241) for the SSH `netconf` subsystem (RFC 6242 §3) or
 * any Duplex. It advertises base:1.0, base:1.1, :writable-running,
 * :notification (RFC 5277) and :interleave (RFC 5277 §6), plus the caller's
 * module capabilities; not :candidate, :startup, :url, :xpath, :validate.
 * It owns session ids, the running-datastore lock (RFC 6241 §7.5, §7.6; held
 * by at most one session, released when that session ends), close-session
 * and kill-session (§7.8, §7.9), and notification fan-out (`notify`) to
 * subscribed sessions; data requests go to a `NetconfDatastore`.
 * Subtree filters (RFC 6241 §6) are applied to what the datastore returns:
 * see subtree-filter.ts for what is supported.
 * Authorization: by default every authenticated user may invoke everything
 * except `<kill-session>`, which needs the `admin` group (RFC 8341 puts
 * kill-session under default-deny-all); pass `authorize` to change it. Data
 * access control (e.g. hiding key leaves) is the datastore's job.
 */
import type { Duplex } from 'node:stream';
import { ValidationError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { CAP, HELLO_TIMEOUT_MS, MAX_MESSAGE_BYTES, NETCONF_NS } from './constants.js';
import type { NetconfDatastore, NetconfSessionInfo } from './datastore.js';
import { eventElements, type EventContent } from './notification.js';
import { ServerSession, type SessionHost } from './server-session.js';
import type { XmlElement } from './xml-element.js';

/** Capabilities every qnfv NETCONF server advertises. */
export const SERVER_BASE_CAPABILITIES: readonly string[] = [CAP.BASE_1_0, CAP.BASE_1_1, CAP.WRITABLE_RUNNING, CAP.NOTIFICATION, CAP.INTERLEAVE];

/** Who the transport authenticated (the SSH server's session info fits). */
export interface NetconfPeer {
  user: string;
  groups: string[];
  remoteAddress?: string;
}

export interface NetconfServerOptions {
  datastore: NetconfDatastore;
  /** Further capabilities, e.g. `urn:ietf:params:xml:ns:yang:ietf-i2nsf-ikeless?module=ietf-i2nsf-ikeless&revision=2021-07-14&features=ikeless-notification`. */
  capabilities?: readonly string[];
  /** May this session invoke this operation? Default: kill-session needs group `admin`, the rest is open. */
  authorize?: (operation: XmlElement, session: NetconfSessionInfo) => boolean | Promise<boolean>;
  logger?: Logger;
  helloTimeoutMs?: number;
  maxMessageBytes?: number;
}

/** Default authorization: kill-session only for the `admin` group. */
export function defaultAuthorize(operation: XmlElement, session: NetconfSessionInfo): boolean {
  if (operation.name === 'kill-session' && operation.ns === NETCONF_NS) return session.groups.includes('admin');
  return true;
}

/** A NETCONF server: hand it each `netconf` subsystem stream. */
export class NetconfServer {
  readonly capabilities: readonly string[];
  private readonly sessions = new Map<number, ServerSession>();
  private readonly host: SessionHost;
  private readonly log: Logger;
  private nextSessionId = 1;
  private lock: number | undefined;

  constructor(opts: NetconfServerOptions) {
    const extra = opts.capabilities ?? [];
    for (const c of extra) if (c.trim() === '' || /\s/.test(c)) throw new ValidationError(`capability '${c}' must be a URI without spaces`);
    this.capabilities = [...SERVER_BASE_CAPABILITIES, ...extra.filter((c) => !SERVER_BASE_CAPABILITIES.includes(c))];
    this.log = opts.logger ?? createLogger('netconf.server');
    const authorize = opts.authorize ?? defaultAuthorize;
    this.host = {
      datastore: opts.datastore,
      capabilities: this.capabilities,
      helloTimeoutMs: opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
      maxMessageBytes: opts.maxMessageBytes ?? MAX_MESSAGE_BYTES,
      authorize,
      lockHolder: () => this.lock,
      setLockHolder: (id) => {
        this.lock = id;
      },
      kill: (id, by) => {
        const s = this.sessions.get(id);
        if (s === undefined) return false;
        s.terminate(`killed by session ${by}`);
        return true;
      },
      ended: (s) => {
        this.sessions.delete(s.info.sessionId);
        if (this.lock === s.info.sessionId) {
          this.lock = undefined;
          this.log.info('lock released by session end', { sessionId: s.info.sessionId });
        }
      },
    };
  }

  /** The SSH subsystem handler: `subsystems: { netconf: server.handler }`. */
  readonly handler = (stream: Duplex, peer: NetconfPeer): void => {
    this.handle(stream, peer);
  };

  /** Start a session on a stream; returns its session-id. */
  handle(stream: Duplex, peer: NetconfPeer): number {
    const sessionId = this.nextSessionId;
    this.nextSessionId = sessionId >= 0xffffffff ? 1 : sessionId + 1;
    const info: NetconfSessionInfo = { sessionId, user: peer.user, groups: [...peer.groups] };
    if (peer.remoteAddress !== undefined) info.remoteAddress = peer.remoteAddress;
    // Stream events (and so `ended`) only fire after this synchronous registration.
    this.sessions.set(sessionId, new ServerSession(this.host, stream, info, this.log));
    return sessionId;
  }

  /**
   * Send an RFC 5277 notification to every subscribed session whose filter
   * selects it; returns how many sessions it went to.
   */
  notify(content: EventContent, eventTime: Date = new Date()): number {
    const elements = eventElements(content);
    if (elements.length === 0) throw new ValidationError('a notification needs at least one event element');
    let sent = 0;
    for (const s of this.sessions.values()) if (s.notify(elements, eventTime)) sent++;
    return sent;
  }

  /** The open sessions. */
  listSessions(): NetconfSessionInfo[] {
    return [...this.sessions.values()].map((s) => ({ ...s.info, groups: [...s.info.groups] }));
  }

  /** Session-id holding the running lock, if any. */
  lockHolder(): number | undefined {
    return this.lock;
  }

  /** End every session. */
  close(): void {
    for (const s of [...this.sessions.values()]) s.terminate('server closing');
  }
}
