/**
 * Subtree filtering (RFC 6241 §6) over element trees, for `<get>`,
 * `<get-config>` and RFC 5277 subscriptions. Supported: selection nodes
 * (empty leaf: the whole subtree), containment nodes (recurse), content match
 * nodes (leaf with text: siblings must match, §6.2.5; a sibling set of only
 * content match nodes selects the whole parent), namespace matching where a
 * filter element without a namespace matches any namespace. Not supported:
 * attribute match expressions (§6.2.2; attributes in the filter are ignored).
 * When several filter siblings match the same data element, the first one
 * that selects something wins (their selections are not merged).
 */
import type { XmlElement } from './xml-element.js';

/** Apply a subtree filter (the children of `<filter>`); undefined means no filter. */
export function applySubtreeFilter(data: readonly XmlElement[], filter: readonly XmlElement[] | undefined): XmlElement[] {
  if (filter === undefined) return data.map(clone);
  // An empty <filter/> selects nothing (§6.4.2).
  const out: XmlElement[] = [];
  for (const d of data) {
    for (const f of filter) {
      if (!sameNode(d, f)) continue;
      const r = matchElement(d, f);
      if (r !== undefined) {
        out.push(r);
        break;
      }
    }
  }
  return out;
}

/** True when the filter selects at least part of this element (for notifications). */
export function subtreeMatches(data: readonly XmlElement[], filter: readonly XmlElement[] | undefined): boolean {
  return filter === undefined || applySubtreeFilter(data, filter).length > 0;
}

function sameNode(d: XmlElement, f: XmlElement): boolean {
  return d.name === f.name && (f.ns === '' || d.ns === f.ns);
}

function isContentMatch(f: XmlElement): boolean {
  return f.children.length === 0 && f.text !== '';
}

/** `d` already matches `f` by name; return the selected part of `d`, if any. */
function matchElement(d: XmlElement, f: XmlElement): XmlElement | undefined {
  if (f.children.length === 0) {
    // Selection node, or a content match node used on its own.
    return f.text === '' || d.text === f.text ? clone(d) : undefined;
  }
  const matches = f.children.filter(isContentMatch);
  for (const m of matches) {
    if (!d.children.some((c) => sameNode(c, m) && c.text === m.text)) return undefined;
  }
  const others = f.children.filter((c) => !isContentMatch(c));
  if (others.length === 0) return clone(d);
  const kept: XmlElement[] = [];
  let selected = false;
  for (const c of d.children) {
    if (matches.some((m) => sameNode(c, m))) {
      kept.push(clone(c));
      continue;
    }
    for (const o of others) {
      if (!sameNode(c, o)) continue;
      const r = matchElement(c, o);
      if (r !== undefined) {
        kept.push(r);
        selected = true;
        break;
      }
    }
  }
  // A containment node that selected nothing below it, and matched no content, is dropped.
  if (!selected && matches.length === 0) return undefined;
  return { ...d, attrs: { ...d.attrs }, attrNs: { ...d.attrNs }, children: kept };
}

/** Deep copy of an element tree. */
export function clone(e: XmlElement): XmlElement {
  return { name: e.name, ns: e.ns, attrs: { ...e.attrs }, attrNs: { ...e.attrNs }, text: e.text, children: e.children.map(clone) };
}
