/**
 * `<edit-config>` content for RFC 9061 `ietf-i2nsf-ikeless` (RFC 6241 §7.2):
 * an `IkelessEdit` ⇄ `<ipsec-ikeless>` whose entries carry `nc:operation`.
 * Decoding resolves each entry's operation the way a server must: its own
 * attribute, else the nearest ancestor's, else the request's
 * default-operation (merge when absent; `none` leaves unmarked entries alone).
 * Caveat: an `IkelessEdit` holds whole entries, so an operation on a node
 * inside an entry (e.g. only its soft lifetime) is refused, and a merged
 * entry is read as a complete one (absent leaves take their YANG defaults).
 */
import type { Problem } from '../errors.js';
import { elem, type XmlElement } from '../netconf/xml-element.js';
import type { KeyOptions } from './config-tree.js';
import { childPath, dropSecrets, throwIfProblems, validateTree } from './data-tree.js';
import { sadEntryFromTree, sadEntryToTree } from './sad-entry-tree.js';
import { SAD_ENTRY, SPD_ENTRY, type ListSchema, type Tree } from './schema.js';
import { spdEntryFromTree, spdEntryToTree } from './spd-entry-tree.js';
import { IKELESS_NS, type EditOperation, type IkelessEdit, type SadEntry, type SpdEntry } from './types.js';
import { treeToXml, xmlToTree } from './xml-tree.js';

/** RFC 6241 base namespace, where the `operation` attribute lives. */
export const NETCONF_BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** Options of `ikelessEditFromXml`. */
export interface EditDecodeOptions {
  /** The request's `<default-operation>` (RFC 6241 §7.2); merge when absent. */
  defaultOperation?: 'merge' | 'replace' | 'none';
}

type Effective = EditOperation | 'none';
type Table = 'spd' | 'sad';

const OPERATIONS: readonly string[] = ['merge', 'replace', 'create', 'delete', 'remove'];
const WRITE_OPERATIONS: readonly string[] = ['merge', 'create', 'replace'];
const INNER_OPERATION = 'carries an operation of its own; edits here take whole entries (put the operation on the entry)';
const LIST: Record<Table, ListSchema> = { spd: SPD_ENTRY, sad: SAD_ENTRY };
const isDelete = (op: Effective): boolean => op === 'delete' || op === 'remove';

/** The element's `nc:operation`, checking that it has no other attributes. */
function operationAttr(el: XmlElement, path: string, problems: Problem[]): EditOperation | undefined {
  let op: EditOperation | undefined;
  for (const k in el.attrs) {
    const v = el.attrs[k]!;
    const ns = el.attrNs[k];
    if (k === 'operation' && ns === NETCONF_BASE_NS) {
      if (OPERATIONS.includes(v)) op = v as EditOperation;
      else problems.push({ path, message: 'has an operation that is not merge, replace, create, delete or remove' });
    } else if (k === 'operation') {
      problems.push({ path, message: `has an operation attribute outside the NETCONF namespace ${NETCONF_BASE_NS}` });
    } else {
      problems.push({ path, message: `has attribute ${k}, which is not supported in edits` });
    }
  }
  return op;
}

/** The effective operation of a node whose parent's is `parent` (RFC 6241 §7.2 inheritance). */
function inherit(parent: Effective, own: EditOperation | undefined, path: string, problems: Problem[]): Effective {
  if (own === undefined) return parent;
  if (isDelete(parent) && own !== parent) problems.push({ path, message: `is inside a node being deleted (${parent}) and cannot carry ${own}` });
  return own;
}

/**
 * Refuse operations inside an entry that differ from the entry's. `inner` holds the names from the
 * entry down to `el`: a node's path is built only when it has attributes (almost none has).
 */
function checkInner(el: XmlElement, op: Effective, path: string, problems: Problem[], inner: string[] = []): void {
  for (const c of el.children) {
    inner.push(c.name);
    if (hasAttributes(c)) {
      const p = [path, ...inner].join('.');
      const own = operationAttr(c, p, problems);
      if (own !== undefined && own !== op) problems.push({ path: p, message: INNER_OPERATION });
    }
    checkInner(c, op, path, problems, inner);
    inner.pop();
  }
}

function hasAttributes(el: XmlElement): boolean {
  for (const _ in el.attrs) return true;
  return false;
}

/** `<ipsec-ikeless>` with operations (or the `<config>` holding it) → `IkelessEdit`; ValidationError on bad content. */
export function ikelessEditFromXml(el: XmlElement, opts: EditDecodeOptions = {}): IkelessEdit {
  const top: Effective = opts.defaultOperation ?? 'merge';
  const edit: IkelessEdit = { spd: [], sad: [], deleteSpd: [], deleteSad: [], operations: { spd: new Map(), sad: new Map() } };
  if (top === 'replace') edit.replaceSpd = edit.replaceSad = true;
  const root =
    el.name === 'ipsec-ikeless' && el.ns === IKELESS_NS ? el : el.children.find((c) => c.name === 'ipsec-ikeless' && c.ns === IKELESS_NS);
  if (!root) {
    if (el.name === 'ipsec-ikeless') throwIfProblems('ietf-i2nsf-ikeless edit', [{ path: 'ipsec-ikeless', message: `must be in namespace ${IKELESS_NS}` }]);
    return edit;
  }
  const problems: Problem[] = [];
  const rootOp = inherit(top, operationAttr(root, 'ipsec-ikeless', problems), 'ipsec-ikeless', problems);
  if (rootOp === 'replace' || isDelete(rootOp)) edit.replaceSpd = edit.replaceSad = true;
  const seen = new Set<string>();
  for (const t of root.children) {
    const table = t.ns === IKELESS_NS && (t.name === 'spd' || t.name === 'sad') ? t.name : undefined;
    if (!table || seen.has(table)) {
      problems.push({ path: t.name, message: table ? 'appears more than once' : 'is not an element of ietf-i2nsf-ikeless here' });
      continue;
    }
    seen.add(table);
    const tableOp = inherit(rootOp, operationAttr(t, table, problems), table, problems);
    if (tableOp === 'replace' || isDelete(tableOp)) edit[table === 'spd' ? 'replaceSpd' : 'replaceSad'] = true;
    decodeTable(t, table, tableOp, edit, problems);
  }
  throwIfProblems('ietf-i2nsf-ikeless edit', problems);
  return edit;
}

function decodeTable(t: XmlElement, table: Table, tableOp: Effective, edit: IkelessEdit, problems: Problem[]): void {
  const schema = LIST[table];
  const names = new Map<string, number>();
  let i = 0;
  for (const e of t.children) {
    if (e.ns !== IKELESS_NS || e.name !== schema.name) {
      problems.push({ path: childPath(table, e.name), message: 'is not an element of ietf-i2nsf-ikeless here' });
      continue;
    }
    const index = i++;
    const path = `${schema.name}[${index}]`;
    const op = inherit(tableOp, operationAttr(e, path, problems), path, problems);
    checkInner(e, op, path, problems);
    if (op === 'none') continue; // default-operation none: an unmarked entry changes nothing
    const nameEls = e.children.filter((c) => c.name === 'name' && c.ns === IKELESS_NS);
    if (nameEls.length !== 1) {
      problems.push({ path: `${path}.name`, message: nameEls.length === 0 ? 'is mandatory and missing' : 'appears more than once' });
      continue;
    }
    const name = nameEls[0]!.text;
    const first = names.get(name);
    if (first !== undefined) {
      problems.push({ path, message: `names the same entry as ${schema.name}[${first}]` });
      continue;
    }
    names.set(name, index);
    if (isDelete(op)) {
      (table === 'spd' ? edit.deleteSpd : edit.deleteSad).push(name);
      edit.operations![table].set(name, op as EditOperation);
      continue;
    }
    const mark = problems.length;
    const tree = xmlToTree(e, schema.children, path, 'reject', problems);
    validateTree(tree, schema.children, path, 'config', problems);
    if (problems.length > mark) continue;
    if (table === 'spd') edit.spd.push(spdEntryFromTree(tree));
    else edit.sad.push(sadEntryFromTree(tree));
    edit.operations![table].set(name, op as EditOperation);
  }
}

/** An element with `nc:operation` set (when `op` is given). */
function withOperation(el: XmlElement, op: EditOperation | undefined): XmlElement {
  return op === undefined ? el : { ...el, attrs: { operation: op }, attrNs: { operation: NETCONF_BASE_NS } };
}

/**
 * `IkelessEdit` → `<ipsec-ikeless>` for an `<edit-config>`'s `<config>`:
 * entries to write as merge (or their `operations` entry), entries to delete
 * with `nc:operation="delete"` (or `remove`) and only their name; a replaced
 * table gets `nc:operation="replace"` and needs no deletions.
 */
export function ikelessEditToXml(edit: IkelessEdit, opts: KeyOptions): XmlElement {
  const problems: Problem[] = [];
  const tables = (['spd', 'sad'] as const).map((t) => encodeTable(edit, t, opts, problems)).filter((x): x is XmlElement => x !== undefined);
  throwIfProblems('ietf-i2nsf-ikeless edit', problems);
  return elem('ipsec-ikeless', IKELESS_NS, tables);
}

function encodeTable(edit: IkelessEdit, table: Table, opts: KeyOptions, problems: Problem[]): XmlElement | undefined {
  const schema = LIST[table];
  const written: (SpdEntry | SadEntry)[] = (table === 'spd' ? edit.spd : edit.sad) ?? [];
  const deletes = (table === 'spd' ? edit.deleteSpd : edit.deleteSad) ?? [];
  const replace = (table === 'spd' ? edit.replaceSpd : edit.replaceSad) === true;
  const ops = edit.operations?.[table];
  if (!replace && written.length === 0 && deletes.length === 0) return undefined;

  const trees: Tree[] = written.map((e) => (table === 'spd' ? spdEntryToTree(e as SpdEntry) : sadEntryToTree(e as SadEntry)));
  validateTree({ [schema.name]: trees }, [schema], '', 'config', problems);
  if (!opts.withKeys) dropSecrets({ [schema.name]: trees }, [schema]);
  const out = trees.map((t, i) => {
    const op = ops?.get(written[i]!.name) ?? 'merge';
    if (!WRITE_OPERATIONS.includes(op)) problems.push({ path: `${schema.name}[${i}]`, message: `cannot be written with operation ${op} (merge, create or replace)` });
    const explicit = op === 'merge' || (replace && op === 'replace') ? undefined : op;
    return withOperation(elem(schema.name, IKELESS_NS, treeToXml(t, schema.children)), explicit);
  });
  if (!replace) {
    const field = table === 'spd' ? 'deleteSpd' : 'deleteSad';
    deletes.forEach((name, i) => {
      const op = ops?.get(name) ?? 'delete';
      if (!isDelete(op)) problems.push({ path: `${field}[${i}]`, message: `cannot be deleted with operation ${op} (delete or remove)` });
      if (written.some((e) => e.name === name)) problems.push({ path: `${field}[${i}]`, message: `names an entry that is also in ${table}` });
      out.push(withOperation(elem(schema.name, IKELESS_NS, [elem('name', IKELESS_NS, [], name)]), op));
    });
  }
  const el = elem(table, IKELESS_NS, out);
  return replace ? withOperation(el, 'replace') : el;
}
