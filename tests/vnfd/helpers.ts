/**
 * Shared test helpers for the descriptor model: where the public OSM fixtures are (the folder
 * `../shared/fixtures` next to the project, or QNFV_FIXTURES), text edits that must hit exactly
 * once, and a problem matcher that asserts path, message and line together.
 */
import { join, resolve } from 'node:path';
import type { Problem } from '../../common/index.js';
import { projectRoot } from '../../vnfd/index.js';

export const FIXTURES = process.env.QNFV_FIXTURES ?? resolve(projectRoot(), '..', 'shared', 'fixtures');
export const OSM = join(FIXTURES, 'osm');
export const CORPUS = join(FIXTURES, 'osm-corpus');

/** Replace `from` by `to`; fails the test when `from` does not occur exactly once. */
export function replaceOnce(text: string, from: string, to: string): string {
  const first = text.indexOf(from);
  if (first < 0 || text.indexOf(from, first + 1) >= 0) throw new Error(`test edit: '${from}' must occur exactly once`);
  return text.slice(0, first) + to + text.slice(first + from.length);
}

/** 1-based line of the only occurrence of `needle` in `text`. */
export function lineOfText(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0 || text.indexOf(needle, at + 1) >= 0) throw new Error(`test: '${needle}' must occur exactly once`);
  return text.slice(0, at).split('\n').length;
}

/** The one problem at `path`; asserts its message and (when given) line. */
export function expectProblem(problems: readonly Problem[], path: string, message: RegExp, line?: number): Problem {
  const atPath = problems.filter((p) => p.path === path);
  if (atPath.length !== 1) {
    throw new Error(`expected one problem at ${path}, got ${atPath.length}; all problems:\n${problems.map((p) => `  ${p.path}: ${p.message} (line ${p.line})`).join('\n')}`);
  }
  expect(atPath[0].message).toMatch(message);
  if (line !== undefined) expect(atPath[0].line).toBe(line);
  return atPath[0];
}
