/**
 * NETCONF XML encoding (RFC 6241, RFC 7950 §7) of RFC 9061
 * `ietf-i2nsf-ikeless`: configuration as `<ipsec-ikeless xmlns="urn:ietf:
 * params:xml:ns:yang:ietf-i2nsf-ikeless">` (get-config replies), the same
 * with each SAD entry's `ipsec-sa-state` (config false, `<get>` replies), and
 * the notifications (`<sadb-expire>` etc., which a server wraps in an RFC 5277
 * `<notification>` with `<eventTime>`). Edits (`<edit-config>` content with
 * `nc:operation`) are in `xml-edit.ts` and re-exported here. Elements follow
 * the YANG order; decoding reports every problem with its path.
 */
import type { Problem } from '../errors.js';
import { child, elem, type XmlElement } from '../netconf/xml-element.js';
import { checkOutput, configFromTree, configToTree, type KeyOptions } from './config-tree.js';
import { throwIfProblems, validateTree } from './data-tree.js';
import { notificationFromTree, notificationToTree } from './notification-tree.js';
import { saStateFromTree, saStateToTree } from './sad-entry-tree.js';
import { IPSEC_IKELESS, NOTIFICATIONS, SA_STATE, type Tree } from './schema.js';
import { entries } from './tree-fields.js';
import { IKELESS_NS, type IkelessConfig, type IkelessNotification, type SadEntryState } from './types.js';
import { treeToXml, xmlToTree } from './xml-tree.js';

export { ikelessEditFromXml, ikelessEditToXml, NETCONF_BASE_NS, type EditDecodeOptions } from './xml-edit.js';
export type { KeyOptions } from './config-tree.js';

/** RFC 5277 `<notification>` envelope namespace. */
export const NETCONF_NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

/**
 * The `<ipsec-ikeless>` element: `el` itself, or its child when `el` is a
 * `<data>`/`<config>` wrapper; undefined when a wrapper has none. Throws when
 * `el` is an `ipsec-ikeless` in another namespace.
 */
export function findIkelessRoot(el: XmlElement): XmlElement | undefined {
  if (el.name === 'ipsec-ikeless') {
    if (el.ns !== IKELESS_NS) throwIfProblems('ietf-i2nsf-ikeless XML', [{ path: 'ipsec-ikeless', message: `must be in namespace ${IKELESS_NS}` }]);
    return el;
  }
  return child(el, 'ipsec-ikeless', IKELESS_NS);
}

/** `IkelessConfig` → `<ipsec-ikeless>` element; ValidationError if the config is invalid. */
export function ipsecConfigToXml(config: IkelessConfig, opts: KeyOptions): XmlElement {
  const tree = configToTree(config);
  checkOutput(tree, IPSEC_IKELESS.children, 'ietf-i2nsf-ikeless configuration', opts);
  return elem('ipsec-ikeless', IKELESS_NS, treeToXml(tree, IPSEC_IKELESS.children));
}

/**
 * `<ipsec-ikeless>` (or a `<data>` holding it, as in a get-config reply) →
 * `IkelessConfig`; `ipsec-sa-state` is skipped, so a `<get>` reply reads too.
 */
export function ipsecConfigFromXml(el: XmlElement): IkelessConfig {
  const root = findIkelessRoot(el);
  if (!root) return { spd: [], sad: [] };
  const problems: Problem[] = [];
  const tree = xmlToTree(root, IPSEC_IKELESS.children, '', 'skip', problems);
  validateTree(tree, IPSEC_IKELESS.children, '', 'config', problems);
  throwIfProblems('ietf-i2nsf-ikeless XML', problems);
  return configFromTree(tree);
}

/**
 * Configuration plus each SAD entry's `ipsec-sa-state` → `<ipsec-ikeless>`
 * for a `<get>` reply. Every state must name a SAD entry of `config`.
 */
export function ipsecDataToXml(config: IkelessConfig, state: readonly SadEntryState[], opts: KeyOptions): XmlElement {
  const tree = configToTree(config);
  const sad = entries(tree.sad as Tree, 'sad-entry');
  const problems: Problem[] = [];
  state.forEach((s, i) => {
    const entry = sad.find((e) => e.name === s.name);
    if (entry) entry['ipsec-sa-state'] = saStateToTree(s);
    else problems.push({ path: `state[${i}]`, message: 'names no SAD entry of the configuration' });
  });
  throwIfProblems('ietf-i2nsf-ikeless state', problems);
  checkOutput(tree, IPSEC_IKELESS.children, 'ietf-i2nsf-ikeless data', { ...opts, kind: 'data' });
  return elem('ipsec-ikeless', IKELESS_NS, treeToXml(tree, IPSEC_IKELESS.children));
}

/** `<ipsec-ikeless>` of a `<get>` reply (or a `<data>` holding it) → the state of every SAD entry that has one. */
export function ipsecStateFromXml(el: XmlElement): SadEntryState[] {
  const root = findIkelessRoot(el);
  const sad = root && child(root, 'sad', IKELESS_NS);
  if (!sad) return [];
  const problems: Problem[] = [];
  const out: SadEntryState[] = [];
  sad.children
    .filter((e) => e.name === 'sad-entry' && e.ns === IKELESS_NS)
    .forEach((entry, i) => {
      const path = `sad-entry[${i}]`;
      const stateEl = child(entry, 'ipsec-sa-state', IKELESS_NS);
      if (!stateEl) return;
      const name = child(entry, 'name', IKELESS_NS)?.text;
      if (name === undefined) problems.push({ path: `${path}.name`, message: 'is mandatory and missing' });
      const p = `${path}.ipsec-sa-state`;
      const mark = problems.length;
      const t = xmlToTree(stateEl, SA_STATE.children, p, 'allow', problems);
      validateTree(t, SA_STATE.children, p, 'data', problems);
      if (problems.length === mark && name !== undefined) out.push(saStateFromTree(name, t));
    });
  throwIfProblems('ietf-i2nsf-ikeless state XML', problems);
  return out;
}

/** Notification → `<sadb-expire xmlns="…ietf-i2nsf-ikeless">` etc. (without the `<notification>` envelope). */
export function notificationToXml(n: IkelessNotification): XmlElement {
  const { name, tree } = notificationToTree(n);
  const schema = NOTIFICATIONS.get(name)!;
  checkOutput(tree, schema.children, `${name} notification`, { withKeys: false, path: name });
  return elem(name, IKELESS_NS, treeToXml(tree, schema.children));
}

/** `<sadb-expire>` etc., or the RFC 5277 `<notification>` envelope holding one → `IkelessNotification`. */
export function notificationFromXml(el: XmlElement): IkelessNotification {
  const inner = el.name === 'notification' && el.ns === NETCONF_NOTIFICATION_NS ? el.children.find((c) => c.ns === IKELESS_NS) : el;
  const schema = inner && inner.ns === IKELESS_NS ? NOTIFICATIONS.get(inner.name) : undefined;
  if (!inner || !schema) {
    throwIfProblems('ietf-i2nsf-ikeless notification XML', [
      { path: inner?.name ?? el.name, message: 'is not an ietf-i2nsf-ikeless notification (sadb-acquire, sadb-expire, sadb-seq-overflow, sadb-bad-spi)' },
    ]);
  }
  const problems: Problem[] = [];
  const tree = xmlToTree(inner!, schema!.children, inner!.name, 'reject', problems);
  validateTree(tree, schema!.children, inner!.name, 'config', problems);
  throwIfProblems(`${inner!.name} notification XML`, problems);
  return notificationFromTree(inner!.name, tree);
}

