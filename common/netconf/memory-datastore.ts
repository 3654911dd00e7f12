/**
 * An in-memory running datastore implementing RFC 6241 §7.2 `<edit-config>`
 * semantics on element trees: the default-operation and per-element
 * `operation` attributes merge, replace, create (data-exists), delete
 * (data-missing) and remove; `none` walks without changing (data-missing when
 * a node it walks through does not exist). Edits are applied to a copy and
 * committed only when all of them succeed (all-or-nothing) and the optional
 * `onCommit` hook accepts the result; test-only never commits.
 * Without a schema it cannot know list keys: list entries are told apart by
 * `keyOf` (default: the text of a child leaf named `name`, which keys the
 * RFC 9061 SAD and SPD lists); elements without a key are singletons.
 * Meant as a test fake and as a base for simple agents.
 */
import { NETCONF_NS } from './constants.js';
import { editOperationOf, type EditConfigRequest, type EditOperation, type NetconfDatastore, type NetconfSessionInfo, type SubtreeFilter } from './datastore.js';
import { rpcError } from './rpc-error.js';
import { applySubtreeFilter, clone } from './subtree-filter.js';
import type { XmlElement } from './xml-element.js';

export interface MemoryDatastoreOptions {
  /** Initial running configuration. */
  initial?: XmlElement[];
  /** The key of a list entry, or undefined for a singleton. */
  keyOf?: (el: XmlElement) => string | undefined;
  /** State data added to `<get>` replies. */
  state?: (session: NetconfSessionInfo) => XmlElement[];
  /** Called with the new configuration before it is committed; throw to refuse the edit. */
  onCommit?: (config: XmlElement[], session: NetconfSessionInfo) => void | Promise<void>;
  /** Removes what a session may not read (e.g. NACM-protected leaves) from get/get-config results. */
  readView?: (data: XmlElement[], session: NetconfSessionInfo) => XmlElement[];
}

/** Default list key: the text of a child leaf `name`. */
export function nameKey(el: XmlElement): string | undefined {
  return el.children.find((c) => c.name === 'name' && c.children.length === 0)?.text;
}

/** An in-memory running datastore with RFC 6241 edit-config semantics. */
export class MemoryDatastore implements NetconfDatastore {
  private running: XmlElement[];
  private readonly keyOf: (el: XmlElement) => string | undefined;

  constructor(private readonly opts: MemoryDatastoreOptions = {}) {
    this.running = (opts.initial ?? []).map(clone);
    this.keyOf = opts.keyOf ?? nameKey;
  }

  /** A copy of the running configuration. */
  snapshot(): XmlElement[] {
    return this.running.map(clone);
  }

  /** `<get>`: running configuration plus state, filtered by the read view. */
  get(filter: SubtreeFilter, session: NetconfSessionInfo): XmlElement[] {
    const all = [...this.running.map(clone), ...(this.opts.state?.(session) ?? [])];
    return this.view(applySubtreeFilter(all, filter), session);
  }

  /** `<get-config>` of running. */
  getConfig(_source: 'running', filter: SubtreeFilter, session: NetconfSessionInfo): XmlElement[] {
    return this.view(applySubtreeFilter(this.running, filter), session);
  }

  /** `<edit-config>`: apply to a copy, commit when everything succeeded. */
  async editConfig(req: EditConfigRequest, session: NetconfSessionInfo): Promise<void> {
    const next = this.running.map(clone);
    this.edit(next, req.config, req.defaultOperation, '');
    if (req.testOption === 'test-only') return;
    await this.opts.onCommit?.(next.map(clone), session);
    this.running = next;
  }

  private view(data: XmlElement[], session: NetconfSessionInfo): XmlElement[] {
    return this.opts.readView ? this.opts.readView(data, session) : data;
  }

  /** Apply `edits` to the sibling list `target` with the inherited operation. */
  private edit(target: XmlElement[], edits: readonly XmlElement[], inherited: EditOperation | 'none', path: string): void {
    for (const e of edits) {
      const op = editOperationOf(e) ?? inherited;
      const key = this.keyOf(e);
      const where = `${path}/${e.name}${key !== undefined ? `[name='${key}']` : ''}`;
      const idx = target.findIndex((t) => t.name === e.name && t.ns === e.ns && this.keyOf(t) === key);
      switch (op) {
        case 'create':
          if (idx >= 0) throw rpcError('data-exists', `${where} already exists`, { path: where });
          target.push(stripOperations(e));
          break;
        case 'delete':
          if (idx < 0) throw rpcError('data-missing', `${where} does not exist`, { path: where });
          target.splice(idx, 1);
          break;
        case 'remove':
          if (idx >= 0) target.splice(idx, 1);
          break;
        case 'replace':
          if (idx >= 0) target[idx] = stripOperations(e);
          else target.push(stripOperations(e));
          break;
        case 'merge':
          if (idx < 0) {
            // Children may still carry operations (e.g. a delete below a new node).
            const fresh = { ...stripOperations(e), children: [] as XmlElement[] };
            this.edit(fresh.children, e.children, 'merge', where);
            target.push(fresh);
          } else if (e.children.length === 0) {
            target[idx] = { ...target[idx]!, text: e.text };
          } else {
            this.edit(target[idx]!.children, e.children, 'merge', where);
          }
          break;
        case 'none':
          // RFC 6241 §7.2: with "none", data without a corresponding node in
          // the datastore is an error (data-missing).
          if (idx < 0) throw rpcError('data-missing', `${where} does not exist (default-operation none)`, { path: where });
          this.edit(target[idx]!.children, e.children, 'none', where);
          break;
      }
    }
  }
}

/** A copy without NETCONF `operation` attributes anywhere in the tree. */
function stripOperations(e: XmlElement): XmlElement {
  const attrs = { ...e.attrs };
  const attrNs = { ...e.attrNs };
  if (attrNs.operation === NETCONF_NS) {
    delete attrs.operation;
    delete attrNs.operation;
  }
  return { name: e.name, ns: e.ns, attrs, attrNs, text: e.text, children: e.children.map(stripOperations) };
}
