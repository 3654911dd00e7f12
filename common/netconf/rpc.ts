/**
 * `<rpc>` and `<rpc-reply>` (RFC 6241 §4.1, §4.2, §4.4): parsing a request
 * namespace-aware (ncclient sends `<nc:rpc>`), building a request, and
 * building a reply that carries every attribute of its request (§4.2), with
 * `<ok/>`, `<data>` or `<rpc-error>` content. A DOCTYPE is refused before
 * parsing: NETCONF has no use for DTDs, and they allow entity expansion.
 */
import { ProtocolError } from '../errors.js';
import { NETCONF_NS } from './constants.js';
import { errorInfo, rpcError, rpcErrorElements, type RpcErrorInfo } from './rpc-error.js';
import { elem, parseXml, serializeXml, type XmlElement } from './xml-element.js';

/** A parsed request. */
export interface Rpc {
  messageId: string;
  /** All attributes of `<rpc>` (echoed on the reply), namespaced ones with their URI in attrNs. */
  attrs: Record<string, string>;
  attrNs: Record<string, string>;
  /** The one operation element, e.g. `<get-config>` in the base namespace. */
  operation: XmlElement;
}

/** The attributes a reply must echo (all of the request's, RFC 6241 §4.2). */
export type ReplyAttrs = Pick<Rpc, 'attrs' | 'attrNs'>;

/** Parse any NETCONF message text; ProtocolError when it is not well-formed XML or has a DOCTYPE. */
export function parseMessage(text: string): XmlElement {
  if (/<!DOCTYPE/i.test(text)) throw new ProtocolError('NETCONF messages must not contain a DOCTYPE');
  return parseXml(text);
}

/**
 * Parse XML content made of zero or more sibling elements (config, filter or
 * event content). Wrapped in a neutral element first, because
 * `parseXmlFragment`'s validation refuses more than one root element.
 */
export function parseContent(text: string): XmlElement[] {
  if (/<!DOCTYPE/i.test(text)) throw new ProtocolError('NETCONF content must not contain a DOCTYPE');
  const body = text.replace(/^\s*<\?xml[^?]*\?>/, '');
  return parseXml(`<qnfv-content>${body}</qnfv-content>`).children;
}

/**
 * Check that an already parsed message is an `<rpc>` with a message-id and
 * one operation; throws NetconfRpcError (the reply to send) otherwise.
 */
export function parseRpc(root: XmlElement): Rpc {
  if (root.name !== 'rpc' || root.ns !== NETCONF_NS) {
    throw rpcError('malformed-message', `expected <rpc> in ${NETCONF_NS}, got <${root.name}> in '${root.ns}'`);
  }
  const messageId = root.attrs['message-id'];
  if (messageId === undefined) {
    throw rpcError('missing-attribute', '<rpc> has no message-id attribute', {
      type: 'rpc',
      info: errorInfo({ 'bad-attribute': 'message-id', 'bad-element': 'rpc' }),
    });
  }
  if (root.children.length !== 1) {
    throw rpcError(root.children.length === 0 ? 'missing-element' : 'bad-element', `<rpc> must hold exactly one operation, found ${root.children.length}`, {
      type: 'rpc',
      info: errorInfo({ 'bad-element': 'rpc' }),
    });
  }
  return { messageId, attrs: root.attrs, attrNs: root.attrNs, operation: root.children[0]! };
}

/** Serialise a request: the operation as XML text (default namespace = base) or an element. */
export function buildRpc(messageId: string, operation: string | XmlElement, extraAttrs: Record<string, string> = {}): string {
  const op = typeof operation === 'string' ? checkOperationText(operation) : serializeXml(operation, NETCONF_NS);
  const attrs = Object.entries({ ...extraAttrs, 'message-id': messageId })
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('');
  return `<rpc xmlns="${NETCONF_NS}"${attrs}>${op}</rpc>`;
}

function checkOperationText(op: string): string {
  // Parsed in the base namespace so that an unprefixed <get-config> is what the server sees.
  const roots = parseXml(`<rpc xmlns="${NETCONF_NS}">${op}</rpc>`).children;
  if (roots.length !== 1) throw new ProtocolError(`an rpc operation must be exactly one XML element, got ${roots.length}`);
  return op;
}

function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** Serialise a reply with the given content, echoing the request's attributes (none for an unparsable request). */
export function buildReply(rpc: ReplyAttrs | undefined, content: XmlElement[]): string {
  return serializeXml(elem('rpc-reply', NETCONF_NS, content, '', rpc?.attrs ?? {}, rpc?.attrNs ?? {}));
}

/** `<rpc-reply><ok/></rpc-reply>`. */
export function okReply(rpc: ReplyAttrs | undefined): string {
  return buildReply(rpc, [elem('ok', NETCONF_NS)]);
}

/** `<rpc-reply><data>…</data></rpc-reply>`. */
export function dataReply(rpc: ReplyAttrs | undefined, data: XmlElement[]): string {
  return buildReply(rpc, [elem('data', NETCONF_NS, data)]);
}

/** `<rpc-reply><rpc-error>…</rpc-reply>`. */
export function errorReply(rpc: ReplyAttrs | undefined, errors: readonly RpcErrorInfo[]): string {
  return buildReply(rpc, rpcErrorElements(errors));
}
