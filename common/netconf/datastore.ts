/**
 * The interface between the NETCONF server and what it serves (RFC 6241 §7):
 * the server parses and checks requests, handles sessions, locks,
 * close/kill-session and notifications itself, and calls a `NetconfDatastore`
 * for data. Every call gets the session (user and groups from SSH), so the
 * datastore can enforce access control (RFC 8341: non-admin users must not
 * read `nacm:default-deny-all` key leaves). Handlers throw NetconfRpcError
 * (or the project's errors, see rpc-error.ts) to answer with an rpc-error.
 * Only the running datastore exists (:writable-running, no :candidate).
 */
import { NETCONF_NS } from './constants.js';
import type { XmlElement } from './xml-element.js';

/** The session a request comes from. */
export interface NetconfSessionInfo {
  sessionId: number;
  user: string;
  groups: string[];
  remoteAddress?: string;
}

/** RFC 6241 §7.2 `<edit-config>` parameters. */
export type DefaultOperation = 'merge' | 'replace' | 'none';
export type TestOption = 'test-then-set' | 'set' | 'test-only';
export type ErrorOption = 'stop-on-error' | 'continue-on-error' | 'rollback-on-error';
/** RFC 6241 §7.2 `operation` attribute values. */
export type EditOperation = 'merge' | 'replace' | 'create' | 'delete' | 'remove';

/** A checked `<edit-config>` request. */
export interface EditConfigRequest {
  target: 'running';
  defaultOperation: DefaultOperation;
  testOption: TestOption;
  errorOption: ErrorOption;
  /**
   * The children of `<config>` with prefixes resolved; `operation`
   * attributes stay on the elements (attrs.operation with attrNs.operation
   * = the base namespace), read them with `editOperationOf`.
   */
  config: XmlElement[];
}

/**
 * A subtree filter: the children of `<filter type="subtree">`, or undefined
 * for none. The server applies it to what `get`/`getConfig` return (see
 * subtree-filter.ts), so a datastore may ignore it or use it to read less.
 */
export type SubtreeFilter = XmlElement[] | undefined;

/** What the NETCONF server serves. */
export interface NetconfDatastore {
  /** `<get>`: configuration and state data. */
  get(filter: SubtreeFilter, session: NetconfSessionInfo): XmlElement[] | Promise<XmlElement[]>;
  /** `<get-config>` of the running datastore. */
  getConfig(source: 'running', filter: SubtreeFilter, session: NetconfSessionInfo): XmlElement[] | Promise<XmlElement[]>;
  /** `<edit-config>` of the running datastore; all-or-nothing is up to the datastore. */
  editConfig(request: EditConfigRequest, session: NetconfSessionInfo): void | Promise<void>;
  /**
   * Any other operation (a YANG `rpc` of a module): return the reply content
   * (`[]` → `<ok/>`). When absent, such operations get operation-not-supported.
   */
  rpc?(operation: XmlElement, session: NetconfSessionInfo): XmlElement[] | Promise<XmlElement[]>;
}

/** The edit operation an element carries (`nc:operation="delete"`), if any. */
export function editOperationOf(el: XmlElement): EditOperation | undefined {
  const op = el.attrs.operation;
  if (op === undefined || el.attrNs.operation !== NETCONF_NS) return undefined;
  return op as EditOperation;
}
