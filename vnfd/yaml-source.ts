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
 * The line index is built on first read (see PositionIndex): validating a correct descriptor
 * seldom needs it, and for a large one it would cost more than all the checks together.
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

/**
 * Where one path is written. Unlike `positions.get(formatPath(path))` it does not build the whole
 * line index of a freshly loaded document: it walks the parser's events for that path only (what
 * a valid descriptor needs: the source text of a numeric `version`).
 */
export function positionAt(positions: ReadonlyMap<string, YamlPosition> | undefined, path: readonly PathSegment[]): YamlPosition | undefined {
  if (positions instanceof PositionIndex) return positions.find(path);
  return positions?.get(formatPath(path));
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

/** What `loadYaml` gives: the document, or the problems that prevented loading it. */
export interface LoadedYaml {
  source?: YamlSource;
  problems: Problem[];
}

/** Parse YAML text into its value and line index; syntax errors come back as problems with a line. */
export function loadYaml(text: string, file?: string): LoadedYaml {
  const where = file ? { file } : {};
  try {
    const events = parseEvents(text, file ? { filename: file } : {});
    const docs = constructFromEvents(events, { source: text, ...(file ? { filename: file } : {}) });
    if (docs.length !== 1) {
      const message = docs.length === 0 ? 'the file holds no YAML document' : `the file holds ${docs.length} YAML documents; a descriptor is exactly one`;
      return { problems: [{ path: '(yaml)', message, ...where }] };
    }
    return { source: { text, value: docs[0], positions: new PositionIndex(events, text) }, problems: [] };
  } catch (err) {
    if (err instanceof YAMLException) {
      const line = err.mark ? err.mark.line + 1 : undefined;
      return { problems: [{ path: '(yaml)', message: `YAML error: ${err.reason}`, ...where, ...(line ? { line } : {}) }] };
    }
    throw err;
  }
}

/**
 * The line index, built on first use: a valid descriptor usually needs none of it (only the
 * `plain` text of a numeric `version`), and building it for every node of a large descriptor
 * costs about as much as the checks themselves. Until then it keeps the parser's events. It is a
 * Map in every respect that reads it (get, has, size, iteration).
 */
class PositionIndex extends Map<string, YamlPosition> {
  #pending: { events: readonly Event[]; text: string } | undefined;

  constructor(events: readonly Event[], text: string) {
    super();
    this.#pending = { events, text };
  }

  /** The position of one path (see `positionAt`). */
  find(path: readonly PathSegment[]): YamlPosition | undefined {
    const pending = this.#pending;
    return pending ? findPosition(pending.events, pending.text, path) : super.get(formatPath(path));
  }

  #build(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    indexPositions(pending.events, pending.text, (path, pos) => super.set(path, pos));
  }

  override get(key: string): YamlPosition | undefined {
    this.#build();
    return super.get(key);
  }

  override has(key: string): boolean {
    this.#build();
    return super.has(key);
  }

  override get size(): number {
    this.#build();
    return super.size;
  }

  override forEach(fn: (value: YamlPosition, key: string, map: Map<string, YamlPosition>) => void, thisArg?: unknown): void {
    this.#build();
    super.forEach(fn, thisArg);
  }

  override keys(): ReturnType<Map<string, YamlPosition>['keys']> {
    this.#build();
    return super.keys();
  }

  override values(): ReturnType<Map<string, YamlPosition>['values']> {
    this.#build();
    return super.values();
  }

  override entries(): ReturnType<Map<string, YamlPosition>['entries']> {
    this.#build();
    return super.entries();
  }

  override [Symbol.iterator](): ReturnType<Map<string, YamlPosition>['entries']> {
    this.#build();
    return super.entries();
  }
}

/** The 1-based line of a source offset, by a cursor that moves forward (events come in source order). */
function lineFinder(text: string): (offset: number) => number {
  const lineStarts: number[] = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  let cursor = 0; // index in lineStarts of the line holding the last offset looked up
  return (offset: number): number => {
    if (offset < lineStarts[cursor]!) {
      let lo = 0;
      let hi = cursor;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      cursor = lo;
    } else {
      while (cursor + 1 < lineStarts.length && lineStarts[cursor + 1]! <= offset) cursor++;
    }
    return cursor + 1;
  };
}

/** The 1-based line of one source offset. */
function lineNumber(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Where an event's node starts (a scalar: its value; an alias: its `*`). */
function eventOffset(ev: Event): number {
  return ev.type === EVENT_ID.SCALAR ? ev.valueStart : ev.type === EVENT_ID.ALIAS ? ev.anchorStart : ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE ? ev.start : -1;
}

/** Frame of the single-path walk: `on` when the frame's own path is a prefix of the target. */
interface FindFrame {
  kind: 'map' | 'seq';
  on: boolean;
  depth: number;
  index: number;
  expectKey: boolean;
  keyHit: boolean;
  keyOffset: number;
}

/** The position of `target` (same rules as indexPositions), walking the events without building paths. */
function findPosition(events: readonly Event[], text: string, target: readonly PathSegment[]): YamlPosition | undefined {
  if (target.length === 0) return undefined;
  const stack: FindFrame[] = [];
  let lastOffset = 0;
  for (const ev of events) {
    if (ev.type === EVENT_ID.DOCUMENT) continue;
    if (ev.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const offset = eventOffset(ev);
    if (offset >= 0) lastOffset = offset;
    const top = stack[stack.length - 1];
    let hit = top === undefined; // the root's path, [], is a prefix of every target
    if (top?.on) {
      const want = target[top.depth];
      if (top.kind === 'map' && top.expectKey) {
        top.expectKey = false;
        top.keyHit = ev.type === EVENT_ID.SCALAR && typeof want === 'string' && getScalarValue(text, ev) === want;
        top.keyOffset = offset >= 0 ? offset : lastOffset;
        if (ev.type === EVENT_ID.SCALAR || ev.type === EVENT_ID.ALIAS) continue;
        // A complex key: walk it as a node nobody is looking for.
        stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', on: false, depth: 0, index: 0, expectKey: true, keyHit: false, keyOffset: 0 });
        continue;
      }
      if (top.kind === 'map') {
        top.expectKey = true;
        hit = top.keyHit;
        if (hit && top.depth + 1 === target.length) {
          const pos: YamlPosition = { line: lineNumber(text, top.keyOffset) };
          if (ev.type === EVENT_ID.SCALAR && ev.style === SCALAR_STYLE.PLAIN && ev.valueStart >= 0) pos.plain = text.slice(ev.valueStart, ev.valueEnd);
          return pos;
        }
      } else {
        hit = want === top.index++;
        if (hit && top.depth + 1 === target.length) return { line: lineNumber(text, offset >= 0 ? offset : lastOffset) };
      }
    }
    if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', on: hit, depth: top === undefined ? 0 : top.depth + 1, index: 0, expectKey: true, keyHit: false, keyOffset: 0 });
    }
  }
  return undefined;
}

/** Frame of the event walk: a mapping (alternating key / value) or a sequence (counting items). */
interface Frame {
  kind: 'map' | 'seq' | 'skip';
  /** The frame's path, formatted (`formatPath`). */
  path: string;
  index: number;
  /** The pending key's formatted path and its offset. */
  keyPath?: string;
  keyOffset: number;
  expectKey: boolean;
}

/** Keys that need no bracket-quoting in a formatted path. */
const PLAIN_KEY = /^[^.[\]'"\s]+$/;

/**
 * Walk the events once, recording each node's path → line (and plain scalar source). Paths are
 * built as strings, parent to child (the same text `formatPath` gives), and lines by moving a
 * cursor forward through the line starts: events come in source order.
 */
function indexPositions(events: readonly Event[], text: string, record: (path: string, pos: YamlPosition) => void): void {
  const lineAt = lineFinder(text);
  const keyText = new Map<string, string>(); // key → its path segment text, after a parent
  const childOf = (parent: string, key: string): string => {
    let seg = keyText.get(key);
    if (seg === undefined) {
      seg = PLAIN_KEY.test(key) ? key : `['${key.replace(/'/g, "\\'")}']`;
      keyText.set(key, seg);
    }
    return parent === '' || seg.startsWith('[') ? parent + seg : `${parent}.${seg}`;
  };
  const stack: Frame[] = [];
  let lastOffset = 0;

  for (const ev of events) {
    if (ev.type === EVENT_ID.DOCUMENT) continue;
    if (ev.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const offset = eventOffset(ev);
    if (offset >= 0) lastOffset = offset;
    const top = stack[stack.length - 1];
    const opens = ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE;
    let path: string | undefined;

    if (top === undefined) {
      path = '';
    } else if (top.kind === 'skip') {
      path = undefined;
    } else if (top.kind === 'map' && top.expectKey) {
      top.expectKey = false;
      if (ev.type === EVENT_ID.SCALAR) {
        top.keyPath = childOf(top.path, getScalarValue(text, ev));
        top.keyOffset = offset >= 0 ? offset : lastOffset;
      } else {
        top.keyPath = undefined; // complex key: its value gets no line of its own
        if (opens) stack.push({ kind: 'skip', path: '', index: 0, keyOffset: 0, expectKey: false });
      }
      continue;
    } else if (top.kind === 'map') {
      top.expectKey = true;
      path = top.keyPath;
      if (path !== undefined) {
        const pos: YamlPosition = { line: lineAt(top.keyOffset) };
        if (ev.type === EVENT_ID.SCALAR && ev.style === SCALAR_STYLE.PLAIN && ev.valueStart >= 0) pos.plain = text.slice(ev.valueStart, ev.valueEnd);
        record(path, pos);
      }
    } else {
      path = `${top.path}[${top.index++}]`;
      record(path, { line: lineAt(offset >= 0 ? offset : lastOffset) });
    }

    if (opens) {
      stack.push(
        path !== undefined
          ? { kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', path, index: 0, keyOffset: 0, expectKey: true }
          : { kind: 'skip', path: '', index: 0, keyOffset: 0, expectKey: false },
      );
    }
  }
}
