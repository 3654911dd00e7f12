/**
 * A small namespace-aware XML element tree shared by the NETCONF layer and the
 * RFC 9061 codec. Parsing uses fast-xml-parser (preserveOrder) and then
 * resolves prefixes to namespace URIs (Namespaces in XML 1.0 §6), because
 * NETCONF peers prefix freely (ncclient sends `<nc:rpc>`): code matches on
 * (namespace, local name), never on the raw tag text.
 */
import { XMLParser } from 'fast-xml-parser';
import { ProtocolError } from '../errors.js';

/** One element: local name, resolved namespace URI, attributes, children, text. */
export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  /** Namespace URI the element is in ('' when none). */
  ns: string;
  /**
   * Attributes by local name (unprefixed), with the namespace URI of prefixed
   * attributes in `attrNs` (e.g. `operation` → NETCONF base namespace).
   * xmlns declarations are not listed.
   */
  attrs: Record<string, string>;
  attrNs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element, trimmed. */
  text: string;
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded here (`decodeEntities`): XML's five and numeric references, in one pass.
  // The parser's own entity handling with HTML entities (needed for numeric references) made a
  // small NETCONF reply cost 4× as much to parse.
  processEntities: false,
  // CDATA stays apart so that its content is taken literally, not entity-decoded.
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
  // No callback here reads the element's path: with the default (true) the parser builds the path
  // string of every element for callbacks anyway (some 15 % of parsing an <edit-config>).
  jPath: false,
});

/** Parse an XML document or fragment with exactly one root element. */
export function parseXml(text: string): XmlElement {
  const roots = parseXmlFragment(text);
  if (roots.length !== 1) {
    throw new ProtocolError(`expected one root XML element, found ${roots.length}`);
  }
  return roots[0]!;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decode XML's predefined entities and numeric character references (XML 1.0 §4.1, §4.6) in one pass. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9._-]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new ProtocolError(`malformed XML: '&' must start an entity reference ending in ';' (near '${whole}')`);
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!(code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff))) {
        throw new ProtocolError(`malformed XML: character reference ${whole} is not an XML character`);
      }
      return String.fromCodePoint(code);
    }
    const named = NAMED_ENTITIES[ref];
    if (named === undefined) throw new ProtocolError(`malformed XML: undefined entity ${whole}`);
    return named;
  });
}
const WRAPPER = 'qnfv-fragment-root';

/**
 * Parse a fragment that may hold several sibling elements (e.g. the content
 * of `<config>`). DOCTYPE declarations are refused: their internal entities
 * allow entity-expansion attacks, and NETCONF never needs them.
 */
export function parseXmlFragment(text: string): XmlElement[] {
  if (/<!DOCTYPE/i.test(text)) throw new ProtocolError('malformed XML: DOCTYPE declarations are not accepted');
  // The validator wants one root: wrap the fragment (after any XML declaration).
  const body = text.replace(/^\s*<\?xml[^>]*\?>/, '');
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(`<${WRAPPER}>${body}</${WRAPPER}>`, true) as OrderedNode[];
  } catch (err) {
    throw new ProtocolError(`malformed XML: ${(err as Error).message}`, { cause: err });
  }
  const root = nodes.find((n) => WRAPPER in n);
  return convertList((root?.[WRAPPER] as OrderedNode[] | undefined) ?? [], new Map([['xml', XML_NS]]));
}

function convertList(nodes: OrderedNode[], scope: Map<string, string>): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === undefined || tag === '#text' || tag === '#comment' || tag === '#cdata') continue;
    out.push(convertElement(tag, node, scope));
  }
  return out;
}

/** The one key of a preserveOrder node that is not its attributes (`:@`): tag name, `#text`, …. */
function tagOf(node: OrderedNode): string | undefined {
  for (const k in node) if (k !== ':@') return k;
  return undefined;
}

function convertElement(tag: string, node: OrderedNode, parentScope: Map<string, string>): XmlElement {
  // The parser sets `:@` only on elements that have attributes; most have none.
  const parsedAttrs = node[':@'] as Record<string, unknown> | undefined;
  const rawAttrs: Record<string, string> = {};
  let scope = parentScope;
  if (parsedAttrs !== undefined) {
    for (const k in parsedAttrs) {
      const v = decodeEntities(String(parsedAttrs[k]));
      rawAttrs[k] = v;
      // 1. Namespace declarations on this element open a new scope.
      if (k === 'xmlns' || k.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        scope.set(k === 'xmlns' ? '' : k.slice(6), v);
      }
    }
  }
  // 2. Resolve the element's own prefix.
  const [prefix, local] = splitQName(tag);
  const ns = scope.get(prefix) ?? '';
  if (prefix !== '' && !scope.has(prefix)) {
    throw new ProtocolError(`XML prefix '${prefix}' of <${tag}> is not declared`);
  }
  // 3. Attributes: unprefixed ones have no namespace (XML Names §6.3).
  const attrs: Record<string, string> = {};
  const attrNs: Record<string, string> = {};
  for (const k in rawAttrs) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const v = rawAttrs[k]!;
    const [ap, al] = splitQName(k);
    if (al in attrs) throw new ProtocolError(`attribute '${al}' of <${tag}> appears in two namespaces; qnfv cannot tell them apart`);
    attrs[al] = v;
    if (ap !== '') {
      const uri = scope.get(ap);
      if (uri === undefined) throw new ProtocolError(`XML prefix '${ap}' of attribute ${k} is not declared`);
      attrNs[al] = uri;
    }
  }
  // 4. Children and text, in one pass.
  const childNodes = (node[tag] as OrderedNode[] | undefined) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  for (const c of childNodes) {
    const t = tagOf(c);
    if (t === '#text') text += decodeEntities(String(c['#text']));
    else if (t === '#cdata') for (const x of c['#cdata'] as OrderedNode[]) text += String(x['#text'] ?? '');
    else if (t !== undefined && t !== '#comment') children.push(convertElement(t, c, scope));
  }
  return { name: local, ns, attrs, attrNs, children, text: text.trim() };
}

function splitQName(q: string): [string, string] {
  const i = q.indexOf(':');
  return i < 0 ? ['', q] : [q.slice(0, i), q.slice(i + 1)];
}

/** First child with this local name (and namespace, when given). */
export function child(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** All children with this local name (and namespace, when given). */
export function childrenNamed(el: XmlElement, name: string, ns?: string): XmlElement[] {
  return el.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** Text of the first child with this name, or undefined. */
export function childText(el: XmlElement, name: string, ns?: string): string | undefined {
  return child(el, name, ns)?.text;
}

/** Escape character data / attribute values. */
export function escapeXml(s: string): string {
  // Most texts (numbers, names, hex keys) need no escaping: one scan instead of four replaces.
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const NEEDS_ESCAPE = /[&<>"]/;

/**
 * Serialise an element tree. A default namespace declaration is written on
 * each element whose namespace differs from its parent's; prefixed
 * attributes get a generated prefix declared on that element.
 */
export function serializeXml(el: XmlElement, parentNs = ''): string {
  let attrs = '';
  if (el.ns !== parentNs) attrs += ` xmlns="${escapeXml(el.ns)}"`;
  let n = 0;
  for (const [k, v] of Object.entries(el.attrs)) {
    const uri = el.attrNs[k];
    if (uri === XML_NS) {
      attrs += ` xml:${k}="${escapeXml(v)}"`;
    } else if (uri) {
      const p = `a${n++}`;
      attrs += ` xmlns:${p}="${escapeXml(uri)}" ${p}:${k}="${escapeXml(v)}"`;
    } else {
      attrs += ` ${k}="${escapeXml(v)}"`;
    }
  }
  const inner = el.children.map((c) => serializeXml(c, el.ns)).join('') + escapeXml(el.text);
  return inner === '' ? `<${el.name}${attrs}/>` : `<${el.name}${attrs}>${inner}</${el.name}>`;
}

/** Build an element (handy for codecs): `elem('spi', NS, [], '4097')`. */
export function elem(name: string, ns: string, children: XmlElement[] = [], text = '', attrs: Record<string, string> = {}, attrNs: Record<string, string> = {}): XmlElement {
  return { name, ns, attrs, attrNs, children, text };
}
