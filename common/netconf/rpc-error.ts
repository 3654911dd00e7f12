/**
 * NETCONF `<rpc-error>` (RFC 6241 §4.3) with the error-tags of Appendix A.
 * `NetconfRpcError` is what a datastore handler throws to answer with a
 * specific tag (and path/info), and what the client rejects with when a reply
 * carries errors; it is a ProtocolError, so callers that do not care about
 * NETCONF see the project's usual error. `toRpcErrors` maps the project's
 * other errors: ValidationError → invalid-value, NotFoundError → data-missing,
 * ConflictError → data-exists, NotSupportedError → operation-not-supported,
 * anything else → operation-failed (with a generic message for non-qnfv errors).
 */
import { ConflictError, NotFoundError, NotSupportedError, ProtocolError, QnfvError, ValidationError } from '../errors.js';
import { NETCONF_NS } from './constants.js';
import { child, childText, childrenNamed, elem, type XmlElement } from './xml-element.js';

/** RFC 6241 §4.3 error-type. */
export type ErrorType = 'transport' | 'rpc' | 'protocol' | 'application';
/** RFC 6241 §4.3 error-severity. */
export type ErrorSeverity = 'error' | 'warning';

/** RFC 6241 Appendix A error-tags. */
export const ERROR_TAGS = [
  'in-use',
  'invalid-value',
  'too-big',
  'missing-attribute',
  'bad-attribute',
  'unknown-attribute',
  'missing-element',
  'bad-element',
  'unknown-element',
  'unknown-namespace',
  'access-denied',
  'lock-denied',
  'resource-denied',
  'rollback-failed',
  'data-exists',
  'data-missing',
  'operation-not-supported',
  'operation-failed',
  'partial-operation',
  'malformed-message',
] as const;
export type ErrorTag = (typeof ERROR_TAGS)[number];

/** The error-type used when a caller names none (one of the types Appendix A allows for the tag). */
const DEFAULT_TYPE: Record<ErrorTag, ErrorType> = {
  'in-use': 'application',
  'invalid-value': 'application',
  'too-big': 'application',
  'missing-attribute': 'protocol',
  'bad-attribute': 'protocol',
  'unknown-attribute': 'protocol',
  'missing-element': 'protocol',
  'bad-element': 'protocol',
  'unknown-element': 'protocol',
  'unknown-namespace': 'protocol',
  'access-denied': 'application',
  'lock-denied': 'protocol',
  'resource-denied': 'application',
  'rollback-failed': 'application',
  'data-exists': 'application',
  'data-missing': 'application',
  'operation-not-supported': 'protocol',
  'operation-failed': 'application',
  'partial-operation': 'application',
  'malformed-message': 'rpc',
};

/** The fields of one `<rpc-error>`. */
export interface RpcErrorInfo {
  type: ErrorType;
  tag: ErrorTag | string;
  severity: ErrorSeverity;
  appTag?: string;
  /** XPath of the element the error is about. */
  path?: string;
  message?: string;
  /** Children of `<error-info>` (e.g. `<session-id>`, `<bad-element>`). */
  info?: XmlElement[];
}

/** Options of `rpcError`/`NetconfRpcError` beyond the tag and message. */
export interface RpcErrorOptions {
  type?: ErrorType;
  severity?: ErrorSeverity;
  appTag?: string;
  path?: string;
  info?: XmlElement[];
}

/** One or more rpc-errors; throw it from a datastore to answer with exactly these. */
export class NetconfRpcError extends ProtocolError {
  readonly errors: RpcErrorInfo[];

  constructor(errors: RpcErrorInfo | RpcErrorInfo[], context?: string) {
    const list = Array.isArray(errors) ? errors : [errors];
    const text = list.map((e) => `${e.tag}${e.message ? `: ${e.message}` : ''}`).join('; ');
    super(context ? `${context}: ${text}` : text);
    this.errors = list;
  }

  /** error-tag of the first error. */
  get tag(): string {
    return this.errors[0]?.tag ?? 'operation-failed';
  }
  /** error-type of the first error. */
  get type(): ErrorType {
    return this.errors[0]?.type ?? 'application';
  }
  /** error-path of the first error. */
  get path(): string | undefined {
    return this.errors[0]?.path;
  }
}

/** Build an error to throw: `throw rpcError('data-exists', 'SA out/1 exists', { path })`. */
export function rpcError(tag: ErrorTag, message: string, opts: RpcErrorOptions = {}): NetconfRpcError {
  return new NetconfRpcError({
    type: opts.type ?? DEFAULT_TYPE[tag],
    tag,
    severity: opts.severity ?? 'error',
    message,
    ...(opts.appTag !== undefined ? { appTag: opts.appTag } : {}),
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    ...(opts.info !== undefined ? { info: opts.info } : {}),
  });
}

/** `<error-info>` children naming an element/attribute, e.g. `errorInfo({ 'bad-element': 'rpc' })`. */
export function errorInfo(fields: Record<string, string | number>): XmlElement[] {
  return Object.entries(fields).map(([k, v]) => elem(k, NETCONF_NS, [], String(v)));
}

/** Map anything thrown by a handler to the rpc-errors to send. */
export function toRpcErrors(err: unknown): RpcErrorInfo[] {
  if (err instanceof NetconfRpcError) return err.errors;
  const pick = (tag: ErrorTag, message: string): RpcErrorInfo[] => [{ type: DEFAULT_TYPE[tag], tag, severity: 'error', message }];
  if (err instanceof ValidationError) return pick('invalid-value', err.message);
  if (err instanceof NotFoundError) return pick('data-missing', err.message);
  if (err instanceof ConflictError) return pick('data-exists', err.message);
  if (err instanceof NotSupportedError) return pick('operation-not-supported', err.message);
  if (err instanceof QnfvError) return pick('operation-failed', err.message);
  return pick('operation-failed', 'internal error');
}

/** Serialise rpc-errors as `<rpc-error>` elements in the base namespace. */
export function rpcErrorElements(errors: readonly RpcErrorInfo[]): XmlElement[] {
  return errors.map((e) => {
    const kids: XmlElement[] = [
      elem('error-type', NETCONF_NS, [], e.type),
      elem('error-tag', NETCONF_NS, [], e.tag),
      elem('error-severity', NETCONF_NS, [], e.severity),
    ];
    if (e.appTag !== undefined) kids.push(elem('error-app-tag', NETCONF_NS, [], e.appTag));
    if (e.path !== undefined) kids.push(elem('error-path', NETCONF_NS, [], e.path));
    if (e.message !== undefined) kids.push(elem('error-message', NETCONF_NS, [], e.message, { 'xml:lang': 'en' }));
    if (e.info !== undefined && e.info.length > 0) kids.push(elem('error-info', NETCONF_NS, e.info));
    return elem('rpc-error', NETCONF_NS, kids);
  });
}

/** Read the `<rpc-error>` children of an `<rpc-reply>`. */
export function parseRpcErrors(reply: XmlElement): RpcErrorInfo[] {
  return childrenNamed(reply, 'rpc-error', NETCONF_NS).map((e) => {
    const info: RpcErrorInfo = {
      type: (childText(e, 'error-type', NETCONF_NS) ?? 'application') as ErrorType,
      tag: childText(e, 'error-tag', NETCONF_NS) ?? 'operation-failed',
      severity: (childText(e, 'error-severity', NETCONF_NS) ?? 'error') as ErrorSeverity,
    };
    const appTag = childText(e, 'error-app-tag', NETCONF_NS);
    const path = childText(e, 'error-path', NETCONF_NS);
    const message = childText(e, 'error-message', NETCONF_NS);
    const infoEl = child(e, 'error-info', NETCONF_NS);
    if (appTag !== undefined) info.appTag = appTag;
    if (path !== undefined) info.path = path;
    if (message !== undefined) info.message = message;
    if (infoEl !== undefined) info.info = infoEl.children;
    return info;
  });
}
