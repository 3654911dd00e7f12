/**
 * RFC 7950 §7 XML encoding of `ietf-i2nsf-ikeless` instance data ⇄ schema
 * `Tree`, on the shared namespace-aware `XmlElement`. Output follows the
 * schema's node order (§7.5.7, §7.8.5); input may come in any order, and
 * every element must be a node of the module at that place.
 * Caveat: leaf text arrives trimmed (XmlElement trims character data), so a
 * string leaf cannot start or end with whitespace.
 */
import type { Problem } from '../errors.js';
import { elem, type XmlElement } from '../netconf/xml-element.js';
import { childPath, innerPath } from './data-tree.js';
import type { SchemaNode, Tree } from './schema.js';
import { IKELESS_NS } from './types.js';

/** What to do with `config false` subtrees on input. */
export type StatePolicy = 'skip' | 'reject' | 'allow';

/** Tree → child elements in schema order (all in the ikeless namespace). */
export function treeToXml(t: Tree, children: readonly SchemaNode[]): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of children) {
    const v = t[node.name];
    if (v === undefined) continue;
    switch (node.kind) {
      case 'leaf':
        out.push(elem(node.name, IKELESS_NS, [], v as string));
        break;
      case 'leaf-list':
        for (const x of v as string[]) out.push(elem(node.name, IKELESS_NS, [], x));
        break;
      case 'container':
        out.push(elem(node.name, IKELESS_NS, treeToXml(v as Tree, node.children)));
        break;
      case 'list':
        for (const e of v as Tree[]) out.push(elem(node.name, IKELESS_NS, treeToXml(e, node.children)));
        break;
    }
  }
  return out;
}

/** The schema nodes of each children list by name, built once per list: elements are looked up by name. */
const byName = new WeakMap<readonly SchemaNode[], ReadonlyMap<string, SchemaNode>>();

function schemaNode(children: readonly SchemaNode[], name: string): SchemaNode | undefined {
  let index = byName.get(children);
  if (index === undefined) {
    index = new Map(children.map((s) => [s.name, s]));
    byName.set(children, index);
  }
  return index.get(name);
}

/** The children of `el` → tree; unknown or repeated elements become problems (a path is built only for a problem). */
export function xmlToTree(el: XmlElement, children: readonly SchemaNode[], path: string, state: StatePolicy, problems: Problem[]): Tree {
  const t: Tree = {};
  const counts = new Map<string, number>();
  for (const c of el.children) {
    const node = c.ns === IKELESS_NS ? schemaNode(children, c.name) : undefined;
    if (!node) {
      problems.push({
        path: childPath(path, c.name),
        message: c.ns === IKELESS_NS ? 'is not an element of ietf-i2nsf-ikeless here' : `is in namespace '${c.ns}', not ${IKELESS_NS}`,
      });
      continue;
    }
    const n = counts.get(c.name) ?? 0;
    counts.set(c.name, n + 1);
    if (node.kind === 'container' && node.state && state !== 'allow') {
      if (state === 'reject') problems.push({ path: childPath(path, c.name), message: 'is state data (config false), not configuration' });
      continue;
    }
    if ((node.kind === 'leaf' || node.kind === 'container') && n > 0) {
      problems.push({ path: childPath(path, c.name), message: 'appears more than once' });
      continue;
    }
    switch (node.kind) {
      case 'leaf':
        if (c.children.length > 0) problems.push({ path: childPath(path, c.name), message: 'must hold a value, not elements' });
        else t[c.name] = c.text;
        break;
      case 'leaf-list':
        if (c.children.length > 0) problems.push({ path: `${childPath(path, c.name)}[${n}]`, message: 'must hold a value, not elements' });
        else ((t[c.name] ??= []) as string[]).push(c.text);
        break;
      case 'container':
        t[c.name] = xmlToTree(c, node.children, innerPath(node, path), state, problems);
        break;
      case 'list':
        ((t[c.name] ??= []) as Tree[]).push(xmlToTree(c, node.children, `${childPath(path, c.name)}[${n}]`, state, problems));
        break;
    }
  }
  return t;
}
