/**
 * The `set-lifetimes` NS primitive's parameters (OSM-style flat
 * `primitive_params`): `soft-time`, `soft-bytes`, `soft-packets`,
 * `hard-time`, `hard-bytes`, `hard-packets` — seconds, bytes, packets as
 * integers (or their decimal text); 0 removes that limit. Given values
 * replace the current ones of the same kind; the others stay. As in the NSD
 * (docs/descriptors.md), a soft limit must be below the hard limit of the
 * same kind, or the soft limit could never start a rekey before the SA dies.
 */
import { ValidationError, type Problem } from '../../common/index.js';
import type { SaLifetime } from '../model.js';

const KINDS = ['time', 'bytes', 'packets'] as const;
const LEVELS = ['soft', 'hard'] as const;
/** A hard time limit below this would rekey faster than a rekey takes. */
const MIN_HARD_TIME_S = 2;

export function applyLifetimeParams(current: { soft: SaLifetime; hard: SaLifetime }, params: Record<string, unknown>): { soft: SaLifetime; hard: SaLifetime } {
  const problems: Problem[] = [];
  const next = { soft: { ...current.soft }, hard: { ...current.hard } };
  const known = new Set(LEVELS.flatMap((l) => KINDS.map((k) => `${l}-${k}`)));
  for (const key of Object.keys(params)) {
    if (!known.has(key)) problems.push({ path: `primitive_params.${key}`, message: `'set-lifetimes' takes ${[...known].join(', ')} (and tunnel)` });
  }
  let given = 0;
  for (const level of LEVELS) {
    for (const kind of KINDS) {
      const raw = params[`${level}-${kind}`];
      if (raw === undefined) continue;
      given++;
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < 0) {
        problems.push({ path: `primitive_params.${level}-${kind}`, message: 'must be a whole number ≥ 0 (0 removes the limit)' });
        continue;
      }
      if (n === 0) delete next[level][kind];
      else next[level][kind] = n;
    }
  }
  if (given === 0 && problems.length === 0) problems.push({ path: 'primitive_params', message: "'set-lifetimes' needs at least one of soft-time, soft-bytes, soft-packets, hard-time, hard-bytes, hard-packets" });
  if (problems.length === 0) {
    for (const kind of KINDS) {
      const s = next.soft[kind];
      const h = next.hard[kind];
      if (s !== undefined && h !== undefined && s >= h) problems.push({ path: `primitive_params.soft-${kind}`, message: `soft ${kind} limit (${s}) must be less than the hard ${kind} limit (${h}): the soft limit starts the rekey before the SA dies` });
    }
    if (next.hard.time !== undefined && next.hard.time < MIN_HARD_TIME_S) problems.push({ path: 'primitive_params.hard-time', message: `must be at least ${MIN_HARD_TIME_S} s` });
  }
  if (problems.length > 0) throw new ValidationError('invalid action', problems);
  return next;
}

/** `time 30 s, bytes 1000000` or `none`. */
export function describeLifetime(l: SaLifetime): string {
  const parts = [l.time !== undefined ? `time ${l.time} s` : '', l.bytes !== undefined ? `bytes ${l.bytes}` : '', l.packets !== undefined ? `packets ${l.packets}` : ''].filter((p) => p);
  return parts.join(', ') || 'none';
}
