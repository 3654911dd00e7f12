/**
 * RFC 5277 event notifications: `<create-subscription>` parameters (§2.1.1)
 * and the `<notification>` message (§4) with its `<eventTime>` (RFC 3339
 * date-time) followed by the event content, e.g. RFC 9061 `<sadb-expire>`.
 * Only the default NETCONF stream exists and replay is not supported, so
 * `startTime`/`stopTime` are refused (§2.1.1: operation-failed without replay).
 */
import { ProtocolError } from '../errors.js';
import { DEFAULT_STREAM, NOTIFICATION_NS } from './constants.js';
import { errorInfo, rpcError } from './rpc-error.js';
import { parseContent } from './rpc.js';
import { child, childText, elem, serializeXml, type XmlElement } from './xml-element.js';

/** A received notification. */
export interface NetconfNotification {
  /** RFC 3339 date-time as sent. */
  eventTime: string;
  /** The event elements after `<eventTime>`. */
  content: XmlElement[];
  /** The whole `<notification>` element. */
  xml: XmlElement;
}

/** What a `<create-subscription>` asks for. */
export interface SubscriptionRequest {
  stream: string;
  /** Subtree filter elements, or undefined for every event. */
  filter?: XmlElement[];
}

/** Event content given as elements or as XML text (one or more sibling elements). */
export type EventContent = XmlElement | XmlElement[] | string;

/** Normalise event content to elements (parsing text). */
export function eventElements(content: EventContent): XmlElement[] {
  if (typeof content === 'string') return parseContent(content);
  return Array.isArray(content) ? content : [content];
}

/** Serialise a `<notification>` with eventTime and content. */
export function buildNotification(content: readonly XmlElement[], eventTime: Date = new Date()): string {
  return serializeXml(elem('notification', NOTIFICATION_NS, [elem('eventTime', NOTIFICATION_NS, [], eventTime.toISOString()), ...content]));
}

/** Read a `<notification>` element. */
export function parseNotification(xml: XmlElement): NetconfNotification {
  const eventTime = childText(xml, 'eventTime', NOTIFICATION_NS);
  if (eventTime === undefined) throw new ProtocolError('NETCONF <notification> without <eventTime>');
  return { eventTime, content: xml.children.filter((c) => !(c.name === 'eventTime' && c.ns === NOTIFICATION_NS)), xml };
}

/** Parse `<create-subscription>`; throws NetconfRpcError for what this server cannot do. */
export function parseCreateSubscription(op: XmlElement): SubscriptionRequest {
  // Children are looked up by local name only: RFC 5277 puts them in its own
  // namespace, but ncclient builds <filter> in the base namespace.
  const stream = childText(op, 'stream') ?? DEFAULT_STREAM;
  if (stream !== DEFAULT_STREAM) {
    throw rpcError('invalid-value', `unknown event stream '${stream}' (only ${DEFAULT_STREAM})`, { info: errorInfo({ 'bad-element': 'stream' }) });
  }
  const start = child(op, 'startTime');
  const stop = child(op, 'stopTime');
  if (stop !== undefined && start === undefined) {
    throw rpcError('missing-element', 'stopTime requires startTime', { info: errorInfo({ 'bad-element': 'startTime' }) });
  }
  if (start !== undefined) {
    throw rpcError('operation-failed', `stream ${DEFAULT_STREAM} does not support replay (startTime)`, { type: 'protocol', info: errorInfo({ 'bad-element': 'startTime' }) });
  }
  const filter = child(op, 'filter');
  if (filter === undefined) return { stream };
  const type = filter.attrs.type ?? 'subtree';
  if (type !== 'subtree') {
    throw rpcError('bad-attribute', `filter type '${type}' is not supported (subtree only)`, { info: errorInfo({ 'bad-attribute': 'type', 'bad-element': 'filter' }) });
  }
  return { stream, filter: filter.children };
}
