/**
 * Collects the problems of one descriptor or package into one list, giving each its file and,
 * when the descriptor came from YAML text, its line (see `yaml-source.ts`). Paths are JSON paths
 * into the descriptor as ETSI GS NFV-SOL 006 / OSM name its nodes, e.g.
 * `vnfd.df[0].vdu-profile[1].id`.
 */
import type { Problem } from '../common/index.js';
import { formatPath, lineOf, type PathSegment, type YamlPosition } from './yaml-source.js';

/** Where problems are reported: the file and the line index of the text it was parsed from. */
export interface ProblemContext {
  file?: string;
  positions?: ReadonlyMap<string, YamlPosition>;
}

/** An ordered problem list bound to one file. */
export class ProblemList {
  readonly items: Problem[] = [];

  constructor(private readonly ctx: ProblemContext = {}) {}

  /** Record a problem at a path; the line is that of the path or its nearest written ancestor. */
  add(path: readonly PathSegment[], message: string): void {
    const problem: Problem = { path: formatPath(path) || '(root)', message };
    if (this.ctx.file) problem.file = this.ctx.file;
    const line = lineOf(this.ctx.positions, path);
    if (line !== undefined) problem.line = line;
    this.items.push(problem);
  }
}
