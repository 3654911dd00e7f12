/**
 * Parameter parsing of the RFC 6241 §7 base operations the server supports:
 * datastore references (`<source>`/`<target>`, running only: no :candidate,
 * no :startup, no :url), `<filter>` (subtree only, no :xpath), the
 * `<edit-config>` parameters of §7.2 with its `operation` attributes, and
 * `<kill-session>`'s session-id (§7.9). Each problem is a NetconfRpcError
 * naming the element, as Appendix A describes.
 */
import { NETCONF_NS } from './constants.js';
import type { DefaultOperation, EditConfigRequest, ErrorOption, SubtreeFilter, TestOption } from './datastore.js';
import { errorInfo, rpcError } from './rpc-error.js';
import { child, childText, type XmlElement } from './xml-element.js';

const DEFAULT_OPERATIONS: readonly DefaultOperation[] = ['merge', 'replace', 'none'];
const TEST_OPTIONS: readonly TestOption[] = ['test-then-set', 'set', 'test-only'];
const ERROR_OPTIONS: readonly ErrorOption[] = ['stop-on-error', 'continue-on-error', 'rollback-on-error'];
const EDIT_OPERATIONS = ['merge', 'replace', 'create', 'delete', 'remove'];

/** `<source>`/`<target>` → 'running'; other datastores are refused. */
export function datastoreRef(op: XmlElement, param: 'source' | 'target'): 'running' {
  const ref = child(op, param, NETCONF_NS);
  if (ref === undefined || ref.children.length !== 1) {
    throw rpcError('missing-element', `<${op.name}> needs <${param}> with one datastore`, { info: errorInfo({ 'bad-element': param }) });
  }
  const ds = ref.children[0]!;
  if (ds.name === 'running' && ds.ns === NETCONF_NS) return 'running';
  if (ds.name === 'url') {
    throw rpcError('operation-not-supported', 'the :url capability is not supported', { type: 'protocol' });
  }
  throw rpcError('invalid-value', `datastore <${ds.name}> is not supported (only running; no :candidate or :startup)`, {
    type: 'protocol',
    info: errorInfo({ 'bad-element': param }),
  });
}

/** `<filter>` of get/get-config → the subtree filter (undefined when absent). */
export function filterParam(op: XmlElement): SubtreeFilter {
  const filter = child(op, 'filter', NETCONF_NS);
  if (filter === undefined) return undefined;
  const type = filter.attrs.type ?? 'subtree';
  if (type !== 'subtree') {
    throw rpcError('bad-attribute', `filter type '${type}' is not supported (subtree only, no :xpath)`, {
      type: 'protocol',
      info: errorInfo({ 'bad-attribute': 'type', 'bad-element': 'filter' }),
    });
  }
  return filter.children;
}

/** The checked parameters of `<edit-config>`. */
export function editConfigParams(op: XmlElement): EditConfigRequest {
  const target = datastoreRef(op, 'target');
  const defaultOperation = enumParam(op, 'default-operation', DEFAULT_OPERATIONS, 'merge');
  const testOption = enumParam(op, 'test-option', TEST_OPTIONS, 'test-then-set');
  const errorOption = enumParam(op, 'error-option', ERROR_OPTIONS, 'stop-on-error');
  if (child(op, 'url', NETCONF_NS) !== undefined) {
    throw rpcError('operation-not-supported', 'the :url capability is not supported', { type: 'protocol' });
  }
  const config = child(op, 'config', NETCONF_NS);
  if (config === undefined) {
    throw rpcError('missing-element', '<edit-config> needs <config>', { type: 'protocol', info: errorInfo({ 'bad-element': 'config' }) });
  }
  for (const el of config.children) checkOperations(el);
  return { target, defaultOperation, testOption, errorOption, config: config.children };
}

/** `<kill-session>`'s session-id. */
export function killSessionParam(op: XmlElement): number {
  const text = childText(op, 'session-id', NETCONF_NS);
  if (text === undefined) {
    throw rpcError('missing-element', '<kill-session> needs <session-id>', { type: 'protocol', info: errorInfo({ 'bad-element': 'session-id' }) });
  }
  if (!/^[1-9][0-9]{0,9}$/.test(text)) {
    throw rpcError('invalid-value', `session-id '${text}' is not a session number`, { type: 'protocol', info: errorInfo({ 'bad-element': 'session-id' }) });
  }
  return Number(text);
}

function enumParam<T extends string>(op: XmlElement, name: string, allowed: readonly T[], dflt: T): T {
  const v = childText(op, name, NETCONF_NS);
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) {
    throw rpcError('invalid-value', `<${name}> must be one of ${allowed.join(', ')}, got '${v}'`, {
      type: 'protocol',
      info: errorInfo({ 'bad-element': name }),
    });
  }
  return v as T;
}

function checkOperations(el: XmlElement): void {
  const op = el.attrNs.operation === NETCONF_NS ? el.attrs.operation : undefined;
  if (op !== undefined && !EDIT_OPERATIONS.includes(op)) {
    throw rpcError('bad-attribute', `operation '${op}' on <${el.name}> is not one of ${EDIT_OPERATIONS.join(', ')}`, {
      type: 'protocol',
      info: errorInfo({ 'bad-attribute': 'operation', 'bad-element': el.name }),
    });
  }
  for (const c of el.children) checkOperations(c);
}
