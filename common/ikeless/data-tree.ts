/**
 * Checks instance data against the schema tree the way a YANG server does
 * (RFC 7950 §8: mandatory nodes, `when`, `must`, unique list keys and
 * leaf-list values, leaf types; §8.1: state data is not configuration). It
 * works on the encoding-independent `Tree`, so JSON and XML share it, puts
 * leaves into canonical form in place and collects every problem with its
 * path (`sad-entry[0].ipsec-sa-config.spi`). Values are never quoted.
 */
import { ValidationError, type Problem } from '../errors.js';
import { checkLeaf } from './leaf-types.js';
import { leafOf, type ContainerSchema, type SchemaNode, type Tree, type When } from './schema.js';

/** `config`: configuration only (state data is an error); `data`: configuration and state. */
export type DataKind = 'config' | 'data';

/** Path of a child node, for problem messages. */
export function childPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** The path a container's children are reported under (a `pathless` container adds nothing). */
export function innerPath(node: ContainerSchema, parent: string): string {
  return node.pathless ? parent : childPath(parent, node.name);
}

/** Whether a `when` holds, reading the sibling leaf or its default. */
function whenHolds(when: When, tree: Tree, siblings: readonly SchemaNode[]): boolean {
  const sib = siblings.find((s) => s.name === when.leaf);
  const dflt = sib?.kind === 'leaf' ? sib.default : undefined;
  return (leafOf(tree, when.leaf) ?? dflt) === when.equals;
}

/**
 * Validate `tree` (the content of a container or list entry) and canonicalise its leaves.
 * A node's path is built only when it has a problem (or is a container to descend into):
 * most nodes have none, and an edit validates every leaf of every entry.
 */
export function validateTree(tree: Tree, children: readonly SchemaNode[], path: string, kind: DataKind, problems: Problem[]): void {
  const before = problems.length;
  for (const node of children) {
    const v = tree[node.name];
    if (node.kind === 'container' && node.state && kind === 'config') {
      if (v !== undefined) problems.push({ path: childPath(path, node.name), message: 'is state data (config false), not configuration' });
      continue;
    }
    if (node.kind === 'container' && node.when && !whenHolds(node.when, tree, children)) {
      if (v !== undefined) problems.push({ path: childPath(path, node.name), message: `is only allowed when ${node.when.leaf} is ${node.when.equals}` });
      continue;
    }
    switch (node.kind) {
      case 'leaf':
        if (v === undefined) {
          if (node.mandatory) problems.push({ path: childPath(path, node.name), message: 'is mandatory and missing' });
        } else {
          const r = checkLeaf(node.type, v as string);
          if (r.ok) tree[node.name] = r.value;
          else problems.push({ path: childPath(path, node.name), message: r.message });
        }
        break;
      case 'leaf-list': {
        const values = (v as string[] | undefined) ?? [];
        const seen = new Set<string>();
        values.forEach((x, i) => {
          const r = checkLeaf(node.type, x);
          if (!r.ok) problems.push({ path: `${childPath(path, node.name)}[${i}]`, message: r.message });
          else if (seen.has(r.value)) problems.push({ path: `${childPath(path, node.name)}[${i}]`, message: 'repeats an earlier value (leaf-list values are unique)' });
          else {
            seen.add(r.value);
            values[i] = r.value;
          }
        });
        break;
      }
      case 'container':
        validateTree((v as Tree | undefined) ?? {}, node.children, innerPath(node, path), kind, problems);
        break;
      case 'list': {
        const p = childPath(path, node.name);
        const seen = new Map<string, number>();
        ((v as Tree[] | undefined) ?? []).forEach((entry, i) => {
          const ep = `${p}[${i}]`;
          const mark = problems.length;
          validateTree(entry, node.children, ep, kind, problems);
          if (problems.length > mark) return;
          const key = JSON.stringify(node.keys.map((k) => leafOf(entry, k)));
          const first = seen.get(key);
          if (first !== undefined) problems.push({ path: ep, message: `has the same key (${node.keys.join(' ')}) as ${node.name}[${first}]` });
          else seen.set(key, i);
        });
        break;
      }
    }
    const present = Array.isArray(v) ? v.length > 0 : v !== undefined;
    if (node.must && present && problems.length === before && !node.must.test(tree)) {
      problems.push({ path: childPath(path, node.name), message: node.must.message });
    }
  }
}

/** Remove the `secret` (key) leaves from a tree, in place. */
export function dropSecrets(tree: Tree, children: readonly SchemaNode[]): void {
  for (const node of children) {
    const v = tree[node.name];
    if (v === undefined) continue;
    if (node.kind === 'leaf' && node.secret) delete tree[node.name];
    else if (node.kind === 'container') dropSecrets(v as Tree, node.children);
    else if (node.kind === 'list') for (const e of v as Tree[]) dropSecrets(e, node.children);
  }
}

/** Throw a ValidationError with the problems (first one per path), if there are any. */
export function throwIfProblems(what: string, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  const seen = new Set<string>();
  const unique = problems.filter((p) => (seen.has(p.path) ? false : (seen.add(p.path), true)));
  throw new ValidationError(`invalid ${what}`, unique);
}
