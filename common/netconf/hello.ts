/**
 * The `<hello>` message (RFC 6241 §8.1): each peer lists its capabilities;
 * the server adds the session-id, which a client must not send. Framing is
 * negotiated from the two lists (RFC 6242 §4.1): chunked when both advertise
 * base:1.1, end-of-message when both only share base:1.0.
 */
import { ProtocolError } from '../errors.js';
import { CAP, NETCONF_NS } from './constants.js';
import type { FramingMode } from './framing.js';
import { parseMessage } from './rpc.js';
import { child, childrenNamed, elem, serializeXml, type XmlElement } from './xml-element.js';

/** What a peer's hello says. */
export interface Hello {
  capabilities: string[];
  /** Present in a server's hello only. */
  sessionId?: number;
}

/** Serialise a hello (with `<session-id>` when given: server side). */
export function buildHello(capabilities: readonly string[], sessionId?: number): string {
  const kids = [elem('capabilities', NETCONF_NS, capabilities.map((c) => elem('capability', NETCONF_NS, [], c)))];
  if (sessionId !== undefined) kids.push(elem('session-id', NETCONF_NS, [], String(sessionId)));
  return '<?xml version="1.0" encoding="UTF-8"?>' + serializeXml(elem('hello', NETCONF_NS, kids));
}

/** Parse a hello (text or parsed element); throws ProtocolError when it is not a well-formed hello. */
export function parseHello(message: string | XmlElement): Hello {
  const root = typeof message === 'string' ? parseMessage(message) : message;
  if (root.name !== 'hello' || root.ns !== NETCONF_NS) {
    throw new ProtocolError(`expected a NETCONF <hello>, got <${root.name}> in namespace '${root.ns}'`);
  }
  const caps = child(root, 'capabilities', NETCONF_NS);
  if (caps === undefined) throw new ProtocolError('NETCONF <hello> has no <capabilities>');
  const capabilities = childrenNamed(caps, 'capability', NETCONF_NS).map((c) => c.text);
  const hello: Hello = { capabilities };
  const sid = child(root, 'session-id', NETCONF_NS);
  if (sid !== undefined) {
    if (!/^[1-9][0-9]{0,9}$/.test(sid.text) || Number(sid.text) > 0xffffffff) {
      throw new ProtocolError(`NETCONF <hello> has an invalid session-id '${sid.text}'`);
    }
    hello.sessionId = Number(sid.text);
  }
  return hello;
}

/** The framing two capability lists agree on, or undefined when they share no base version. */
export function negotiateFraming(ours: readonly string[], theirs: readonly string[]): FramingMode | undefined {
  const both = (cap: string): boolean => ours.includes(cap) && theirs.includes(cap);
  if (both(CAP.BASE_1_1)) return 'chunked';
  if (both(CAP.BASE_1_0)) return 'eom';
  return undefined;
}
