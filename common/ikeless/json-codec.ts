/**
 * RFC 7951 JSON encoding of RFC 9061 `ietf-i2nsf-ikeless`: the top member is
 * module-qualified (`"ietf-i2nsf-ikeless:ipsec-ikeless"`, §4), uint8/16/32 are
 * JSON numbers and uint64 strings (§6.1), booleans are JSON booleans (§6.3),
 * enumerations their names (§6.4), `yang:hex-string` keys `aa:bb:…`, the
 * `inner-protocol` union a number or `"any"` (§6.10), lists and leaf-lists
 * arrays (§5.3–5.4). Decoding is strict about these types and reports every
 * problem with its path, e.g. `sad-entry[0].ipsec-sa-config.spi`.
 * Caveats: RFC 7952 metadata (`@` members) is not supported; state data in
 * configuration input is ignored.
 */
import type { Problem } from '../errors.js';
import { checkOutput, configFromTree, configToTree, type KeyOptions } from './config-tree.js';
import { childPath, innerPath, throwIfProblems, validateTree, type DataKind } from './data-tree.js';
import { jsonKind, type LeafType } from './leaf-types.js';
import { notificationFromTree, notificationToTree } from './notification-tree.js';
import { sadEntryFromTree, sadEntryToTree } from './sad-entry-tree.js';
import { IPSEC_IKELESS, NOTIFICATIONS, SAD_ENTRY, SPD_ENTRY, type SchemaNode, type Tree } from './schema.js';
import { spdEntryFromTree, spdEntryToTree } from './spd-entry-tree.js';
import { IKELESS_MODULE, type IkelessConfig, type IkelessNotification, type SadEntry, type SpdEntry } from './types.js';

export type { KeyOptions } from './config-tree.js';

/** A JSON object as `JSON.parse` returns it. */
export type JsonObject = { [member: string]: unknown };

/** The RFC 7951 member name of the `ipsec-ikeless` container. */
export const IKELESS_JSON_MEMBER = `${IKELESS_MODULE}:ipsec-ikeless`;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Tree → RFC 7951 object, members in schema order. */
function treeToJson(t: Tree, children: readonly SchemaNode[]): JsonObject {
  const out: JsonObject = {};
  for (const node of children) {
    const v = t[node.name];
    if (v === undefined) continue;
    switch (node.kind) {
      case 'leaf':
        out[node.name] = scalarToJson(node.type, v as string);
        break;
      case 'leaf-list':
        out[node.name] = (v as string[]).map((x) => scalarToJson(node.type, x));
        break;
      case 'container':
        out[node.name] = treeToJson(v as Tree, node.children);
        break;
      case 'list':
        out[node.name] = (v as Tree[]).map((e) => treeToJson(e, node.children));
        break;
    }
  }
  return out;
}

function scalarToJson(type: LeafType, v: string): string | number | boolean {
  switch (jsonKind(type)) {
    case 'number':
      return Number(v);
    case 'boolean':
      return v === 'true';
    case 'union':
      return v === 'any' ? v : Number(v);
    default:
      return v;
  }
}

/** RFC 7951 object → tree, checking JSON types; state members are skipped unless `kind` is `data`. */
function jsonToTree(obj: unknown, children: readonly SchemaNode[], path: string, kind: DataKind, problems: Problem[]): Tree {
  const t: Tree = {};
  if (!isObject(obj)) {
    problems.push({ path: path || '(root)', message: 'must be a JSON object' });
    return t;
  }
  for (const [member, v] of Object.entries(obj)) {
    const name = member.startsWith(`${IKELESS_MODULE}:`) ? member.slice(IKELESS_MODULE.length + 1) : member;
    const node = children.find((c) => c.name === name);
    const p = childPath(path, name);
    if (!node) {
      problems.push({ path: childPath(path, member), message: 'is not a member of ietf-i2nsf-ikeless here' });
      continue;
    }
    if (node.kind === 'container' && node.state && kind === 'config') continue;
    switch (node.kind) {
      case 'leaf': {
        const s = scalarFromJson(node.type, v, p, problems);
        if (s !== undefined) t[name] = s;
        break;
      }
      case 'leaf-list':
        if (!Array.isArray(v)) problems.push({ path: p, message: 'must be a JSON array (leaf-list)' });
        else t[name] = v.map((x, i) => scalarFromJson(node.type, x, `${p}[${i}]`, problems) ?? '');
        break;
      case 'container':
        if (!isObject(v)) problems.push({ path: p, message: 'must be a JSON object' });
        else t[name] = jsonToTree(v, node.children, innerPath(node, path), kind, problems);
        break;
      case 'list':
        if (!Array.isArray(v)) problems.push({ path: p, message: 'must be a JSON array (list)' });
        else t[name] = v.map((e, i) => jsonToTree(e, node.children, `${p}[${i}]`, kind, problems));
        break;
    }
  }
  return t;
}

function scalarFromJson(type: LeafType, v: unknown, path: string, problems: Problem[]): string | undefined {
  const kind = jsonKind(type);
  if (kind === 'number' && typeof v === 'number') return String(v);
  if (kind === 'boolean' && typeof v === 'boolean') return String(v);
  if (kind === 'string' && typeof v === 'string') return v;
  if (kind === 'union' && (typeof v === 'number' || v === 'any')) return String(v);
  const message = {
    number: 'must be a JSON number (RFC 7951 §6.1)',
    boolean: 'must be a JSON boolean (RFC 7951 §6.3)',
    string: type.kind === 'uint' ? 'must be a JSON string (RFC 7951 §6.1: 64-bit integers are strings)' : 'must be a JSON string',
    union: 'must be a JSON number 0..255 or the string "any" (RFC 7951 §6.10)',
  }[kind];
  problems.push({ path, message });
  return undefined;
}

/** Decode, validate and map one JSON object against a schema node list. */
function decode<T>(obj: unknown, children: readonly SchemaNode[], path: string, what: string, kind: DataKind, map: (t: Tree) => T): T {
  const problems: Problem[] = [];
  const tree = jsonToTree(obj, children, path, kind, problems);
  validateTree(tree, children, path, kind, problems);
  throwIfProblems(what, problems);
  return map(tree);
}

/** `IkelessConfig` → RFC 7951 object `{"ietf-i2nsf-ikeless:ipsec-ikeless": …}`; ValidationError if the config is invalid. */
export function ipsecConfigToJson(config: IkelessConfig, opts: KeyOptions): JsonObject {
  const tree = configToTree(config);
  checkOutput(tree, IPSEC_IKELESS.children, 'ietf-i2nsf-ikeless configuration', opts);
  return { [IKELESS_JSON_MEMBER]: treeToJson(tree, IPSEC_IKELESS.children) };
}

/** RFC 7951 object (as parsed by `JSON.parse`) → `IkelessConfig`; `{}` is the empty configuration. */
export function ipsecConfigFromJson(obj: unknown): IkelessConfig {
  const problems: Problem[] = [];
  if (!isObject(obj)) problems.push({ path: '(root)', message: 'must be a JSON object' });
  else {
    for (const m of Object.keys(obj)) {
      if (m !== IKELESS_JSON_MEMBER) problems.push({ path: m, message: `is not ${IKELESS_JSON_MEMBER} (RFC 7951 §4: top-level members are module-qualified)` });
    }
  }
  throwIfProblems('ietf-i2nsf-ikeless JSON', problems);
  const inner = (obj as JsonObject)[IKELESS_JSON_MEMBER] ?? {};
  return decode(inner, IPSEC_IKELESS.children, '', 'ietf-i2nsf-ikeless JSON', 'config', configFromTree);
}

/** One SAD entry → its RFC 7951 list-entry object (`{"name": …, "reqid": …, "ipsec-sa-config": …}`), e.g. for a controller → proxy message. */
export function sadEntryToJson(entry: SadEntry, opts: KeyOptions): JsonObject {
  const tree = sadEntryToTree(entry);
  checkOutput(tree, SAD_ENTRY.children, 'SAD entry', { ...opts, path: 'sad-entry' });
  return treeToJson(tree, SAD_ENTRY.children);
}

/** RFC 7951 list-entry object of one SAD entry → `SadEntry` (problem paths start at `sad-entry`). */
export function sadEntryFromJson(obj: unknown): SadEntry {
  return decode(obj, SAD_ENTRY.children, 'sad-entry', 'SAD entry JSON', 'config', sadEntryFromTree);
}

/** One SPD entry → its RFC 7951 list-entry object. */
export function spdEntryToJson(entry: SpdEntry): JsonObject {
  const tree = spdEntryToTree(entry);
  checkOutput(tree, SPD_ENTRY.children, 'SPD entry', { withKeys: false, path: 'spd-entry' });
  return treeToJson(tree, SPD_ENTRY.children);
}

/** RFC 7951 list-entry object of one SPD entry → `SpdEntry` (problem paths start at `spd-entry`). */
export function spdEntryFromJson(obj: unknown): SpdEntry {
  return decode(obj, SPD_ENTRY.children, 'spd-entry', 'SPD entry JSON', 'config', spdEntryFromTree);
}

/** Notification → RFC 7951 object `{"ietf-i2nsf-ikeless:sadb-expire": …}` (the RFC 8040 §6.4 event content). */
export function notificationToJson(n: IkelessNotification): JsonObject {
  const { name, tree } = notificationToTree(n);
  const schema = NOTIFICATIONS.get(name)!;
  checkOutput(tree, schema.children, `${name} notification`, { withKeys: false, path: name });
  return { [`${IKELESS_MODULE}:${name}`]: treeToJson(tree, schema.children) };
}

/** RFC 7951 notification object (one module-qualified member) → `IkelessNotification`. */
export function notificationFromJson(obj: unknown): IkelessNotification {
  const members = isObject(obj) ? Object.keys(obj) : [];
  const name = members.length === 1 && members[0]!.startsWith(`${IKELESS_MODULE}:`) ? members[0]!.slice(IKELESS_MODULE.length + 1) : '';
  const schema = NOTIFICATIONS.get(name);
  if (!schema) {
    throwIfProblems('ietf-i2nsf-ikeless notification JSON', [
      { path: '(root)', message: `must have one member, ${IKELESS_MODULE}:sadb-acquire, sadb-expire, sadb-seq-overflow or sadb-bad-spi` },
    ]);
  }
  return decode((obj as JsonObject)[members[0]!], schema!.children, name, `${name} notification JSON`, 'config', (t) => notificationFromTree(name, t));
}
