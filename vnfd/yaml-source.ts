/**
 * A descriptor's YAML text turned into its value plus a line index: for each JSON path in the
 * document (`vnfd.df[0].vdu-profile[1].id`) the 1-based line where it is written, so that every
 * problem can name file and line. Descriptors are ETSI GS NFV-SOL 006 data as OSM writes it in
 * YAML (JSON descriptors are YAML too).
 *
 * How: js-yaml 5 has no `listener` option any more; instead its event parser (`parseEvents`)
 * gives every node a source offset, and `constructFromEvents` builds the value from the same
 * events, so the text is parsed once. YAML 1.2 core schema (js-yaml's default), no merge keys.
 * Caveats: a mapping entry's line is its key's line; a sequence item's line is where its content
 * starts. Nodes reached through an alias (`*ref`) or under a complex (non-scalar) key have no line
 * of their own: `lineOf` falls back to the nearest ancestor. YAML 1.1-only spellings (`yes`/`no`
 * booleans, sexagesimal numbers) are plain strings here, unlike PyYAML in OSM.
 */
import { constructFromEvents, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, YAMLException, type Event } from 'js-yaml';
import type { Problem } from '../common/index.js';

/** One step of a JSON path: a mapping key or a sequence index. */
export type PathSegment = string | number;

/** Where a node is written. */
export interface YamlPosition {
  /** 1-based line (of the key, for a mapping entry). */
  line: number;
  /** Source text of a plain scalar value (e.g. `1.0` for `version: 1.0`), when the value is one. */
  plain?: string;
}

/** A parsed YAML document with its line index. */
export interface YamlSource {
  text: string;
  value: unknown;
  positions: ReadonlyMap<string, YamlPosition>;
}

/** Render a path as `vnfd.df[0].vdu-profile[1].id` (keys with `.`, `[`, `]`, quotes or spaces are bracket-quoted). */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[^.[\]'"\s]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `['${seg.replace(/'/g, "\\'")}']`;
  }
  return out;
}

/** The line of a path, or of its nearest ancestor that has one. */
export function lineOf(positions: ReadonlyMap<string, YamlPosition> | undefined, path: readonly PathSegment[]): number | undefined {
  if (!positions) return undefined;
  for (let n = path.length; n > 0; n--) {
    const pos = positions.get(formatPath(path.slice(0, n)));
    if (pos) return pos.line;
  }
  return undefined;
}

/** Parse YAML text into its value and line index; syntax errors come back as problems with a line. */
export function loadYaml(text: string, file?: string): { source?: YamlSource; problems: Problem[] } {
  const where = file ? { file } : {};
  try {
    const events = parseEvents(text, file ? { filename: file } : {});
    const docs = constructFromEvents(events, { source: text, ...(file ? { filename: file } : {}) });
    if (docs.length !== 1) {
      const message = docs.length === 0 ? 'the file holds no YAML document' : `the file holds ${docs.length} YAML documents; a descriptor is exactly one`;
      return { problems: [{ path: '(yaml)', message, ...where }] };
    }
    return { source: { text, value: docs[0], positions: indexPositions(events, text) }, problems: [] };
  } catch (err) {
    if (err instanceof YAMLException) {
      const line = err.mark ? err.mark.line + 1 : undefined;
      return { problems: [{ path: '(yaml)', message: `YAML error: ${err.reason}`, ...where, ...(line ? { line } : {}) }] };
    }
    throw err;
  }
}

/** Frame of the event walk: a mapping (alternating key / value) or a sequence (counting items). */
interface Frame {
  kind: 'map' | 'seq' | 'skip';
  path: PathSegment[];
  index: number;
  key?: { name: string; offset: number };
  expectKey: boolean;
}

/** Walk the events once, recording each node's path → line (and plain scalar source). */
function indexPositions(events: readonly Event[], text: string): Map<string, YamlPosition> {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const positions = new Map<string, YamlPosition>();
  const stack: Frame[] = [];
  let lastOffset = 0;

  for (const ev of events) {
    if (ev.type === EVENT_ID.DOCUMENT) continue;
    if (ev.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const offset = ev.type === EVENT_ID.SCALAR ? ev.valueStart : ev.type === EVENT_ID.ALIAS ? ev.anchorStart : ev.start;
    if (offset >= 0) lastOffset = offset;
    const top = stack[stack.length - 1];
    const opens = ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE;
    let path: PathSegment[] | undefined;

    if (top === undefined) {
      path = [];
    } else if (top.kind === 'skip') {
      path = undefined;
    } else if (top.kind === 'map' && top.expectKey) {
      top.expectKey = false;
      if (ev.type === EVENT_ID.SCALAR) {
        top.key = { name: getScalarValue(text, ev), offset: offset >= 0 ? offset : lastOffset };
      } else {
        top.key = undefined; // complex key: its value gets no line of its own
        if (opens) stack.push({ kind: 'skip', path: [], index: 0, expectKey: false });
      }
      continue;
    } else if (top.kind === 'map') {
      top.expectKey = true;
      if (top.key) {
        path = [...top.path, top.key.name];
        const pos: YamlPosition = { line: lineAt(top.key.offset) };
        if (ev.type === EVENT_ID.SCALAR && ev.style === SCALAR_STYLE.PLAIN && ev.valueStart >= 0) pos.plain = text.slice(ev.valueStart, ev.valueEnd);
        positions.set(formatPath(path), pos);
      }
    } else {
      path = [...top.path, top.index++];
      positions.set(formatPath(path), { line: lineAt(offset >= 0 ? offset : lastOffset) });
    }

    if (opens) {
      stack.push(path ? { kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', path, index: 0, expectKey: true } : { kind: 'skip', path: [], index: 0, expectKey: false });
    }
  }
  return positions;
}
