/**
 * Quasi-cyclic LDPC codes for syndrome-based reconciliation (Gallager 1962;
 * QC lifting as in Fossorier, IEEE Trans. IT 50(8), 2004), generated
 * deterministically from a small spec at start:
 *  1. a base matrix of mb × nb with a given variable-degree distribution: the
 *     degree-2 columns form a staircase path (no cycles among them, as in
 *     IRA/802.11n codes), the other columns pick the least-loaded rows with a
 *     penalty on row pairs already used together (spreads the base graph);
 *  2. each base entry becomes a Z × Z circulant permutation whose shift is
 *     drawn at random until it closes no 4-cycle in the lifted graph
 *     (Fossorier: a 4-cycle exists iff s1 − s2 + s3 − s4 ≡ 0 mod Z).
 * Only decoding is ever needed (Alice sends a syndrome), so no encoder.
 * Rate adaptation positions are fixed per code: shortening takes a
 * pseudo-random order of the n positions; puncturing takes one-step-
 * recoverable positions (Ha, Kim, McLaughlin, IEEE Trans. IT 50(11), 2004):
 * no two punctured bits share a check, so every prefix of the puncture order
 * is linearly independent (each has a private check row) and the syndrome
 * reveals m − p bits about the rest.
 *
 * Layout for the layered decoder: block row r holds entries rowStart[r] ..
 * rowStart[r+1]−1, entry e connecting check z of block row r to variable
 * entryColumn[e]·Z + (z + entryShift[e]) mod Z.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../common/index.js';
import { PUNCTURABLE_FRACTION } from './constants.js';
import { SeededRandom } from './seeded-random.js';

/** A code family member: size and variable-node degree distribution (node perspective). */
export interface LdpcCodeSpec {
  /** Name in logs and stats, e.g. `qc-0.75`. */
  name: string;
  /** Base matrix columns nb and rows mb; n = nb·Z, m = mb·Z, rate 1 − mb/nb. */
  baseColumns: number;
  baseRows: number;
  /** Lifting (circulant) size Z. */
  lifting: number;
  /** [degree, fraction of columns] pairs; degree-2 columns are capped at mb − 1. */
  degrees: readonly (readonly [number, number])[];
  /** Seed of the construction. */
  seed: number;
}

/** A lifted QC-LDPC parity-check matrix in layered form. */
export class QcLdpcCode {
  readonly spec: LdpcCodeSpec;
  /** Frame length n, syndrome length m, lifting Z. */
  readonly n: number;
  readonly m: number;
  readonly z: number;
  readonly baseRows: number;
  /** 1 − m/n. */
  readonly rate: number;
  readonly rowStart: Int32Array;
  readonly entryColumn: Int32Array;
  readonly entryShift: Int32Array;
  /** Entries of the widest block row (check degree). */
  readonly maxRowEntries: number;
  /** Number of edges (ones in H). */
  readonly edges: number;
  /** A fixed pseudo-random order of the n positions; shortening uses its first s. */
  readonly shorteningOrder: Uint32Array;
  /** Puncturable positions (no two in one check), in order; puncturing uses a prefix. */
  readonly punctureOrder: Uint32Array;
  /** Shifts that could not avoid a 4-cycle after the retry budget (0 for the shipped codes). */
  readonly unresolvedCycles: number;

  constructor(spec: LdpcCodeSpec) {
    const { baseColumns: nb, baseRows: mb, lifting: Z } = spec;
    if (!(Number.isInteger(nb) && Number.isInteger(mb) && mb >= 3 && mb < nb)) throw new ValidationError(`base matrix ${mb}×${nb} is not valid`);
    if (!(Number.isInteger(Z) && Z >= 8 && Z <= 4096)) throw new ValidationError(`lifting must be an integer in 8..4096, got ${Z}`);
    this.spec = spec;
    this.z = Z;
    this.baseRows = mb;
    this.n = nb * Z;
    this.m = mb * Z;
    this.rate = 1 - mb / nb;
    const seedBytes = createHash('sha256').update(`qnfv-qc-ldpc/${spec.name}/${nb}x${mb}x${Z}/${spec.seed}`).digest();
    const rng = new SeededRandom(seedBytes, 'ldpc');
    const { columns, unresolved } = buildBaseGraph(spec, columnDegrees(spec), rng);
    this.unresolvedCycles = unresolved;
    // Transpose to block rows, entries ordered by column.
    const rows: [number, number][][] = Array.from({ length: mb }, () => []);
    columns.forEach((entries, c) => {
      for (const [r, s] of entries) rows[r].push([c, s]);
    });
    this.rowStart = new Int32Array(mb + 1);
    const cols: number[] = [];
    const shifts: number[] = [];
    let widest = 0;
    for (let r = 0; r < mb; r++) {
      this.rowStart[r] = cols.length;
      rows[r].sort((a, b) => a[0] - b[0]);
      for (const [c, s] of rows[r]) {
        cols.push(c);
        shifts.push(s);
      }
      widest = Math.max(widest, rows[r].length);
    }
    this.rowStart[mb] = cols.length;
    this.entryColumn = Int32Array.from(cols);
    this.entryShift = Int32Array.from(shifts);
    this.maxRowEntries = widest;
    this.edges = cols.length * Z;
    // Fisher–Yates permutation for shortening positions.
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    for (let i = this.n - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    this.shorteningOrder = order;
    this.punctureOrder = this.onceRecoverablePositions(Math.floor(this.n * PUNCTURABLE_FRACTION));
  }

  /** Greedy over the reversed shortening order: a position whose checks hold no punctured bit yet. */
  private onceRecoverablePositions(limit: number): Uint32Array {
    const Z = this.z;
    const byColumn: [number, number][][] = Array.from({ length: this.spec.baseColumns }, () => []);
    for (let r = 0; r < this.baseRows; r++) {
      for (let e = this.rowStart[r]; e < this.rowStart[r + 1]; e++) byColumn[this.entryColumn[e]].push([r, this.entryShift[e]]);
    }
    const used = new Uint8Array(this.m);
    const out: number[] = [];
    for (let i = this.n - 1; i >= 0 && out.length < limit; i--) {
      const v = this.shorteningOrder[i];
      const c = Math.floor(v / Z);
      const k = v - c * Z;
      const rows = byColumn[c].map(([r, sh]) => r * Z + ((k - sh + Z) % Z));
      if (rows.some((r) => used[r])) continue;
      for (const r of rows) used[r] = 1;
      out.push(v);
    }
    return Uint32Array.from(out);
  }

  /** H·x for a frame of n bits (one bit per byte), into `out` (m bits) or a new array. */
  syndrome(x: Uint8Array, out: Uint8Array = new Uint8Array(this.m)): Uint8Array {
    if (x.length !== this.n) throw new ValidationError(`frame must have ${this.n} bits, got ${x.length}`);
    const Z = this.z;
    out.fill(0);
    for (let r = 0; r < this.baseRows; r++) {
      const o = r * Z;
      for (let e = this.rowStart[r]; e < this.rowStart[r + 1]; e++) {
        const base = this.entryColumn[e] * Z;
        const sh = this.entryShift[e];
        // z + sh < Z: a contiguous run, then the wrapped run.
        const split = Z - sh;
        for (let z = 0; z < split; z++) out[o + z] ^= x[base + sh + z];
        for (let z = split; z < Z; z++) out[o + z] ^= x[base + z - split];
      }
    }
    return out;
  }
}

/** Integer column degrees from the spec's fractions (rounded; the remainder goes to degree 3). */
function columnDegrees(spec: LdpcCodeSpec): number[] {
  const nb = spec.baseColumns;
  const mb = spec.baseRows;
  const counts = new Map<number, number>();
  for (const [d, f] of spec.degrees) {
    if (!(Number.isInteger(d) && d >= 2 && d <= mb)) throw new ValidationError(`degree ${d} must be an integer in 2..${mb}`);
    counts.set(d, (counts.get(d) ?? 0) + Math.round(f * nb));
  }
  counts.set(2, Math.min(counts.get(2) ?? 0, mb - 1));
  let total = 0;
  for (const c of counts.values()) total += c;
  counts.set(3, (counts.get(3) ?? 0) + nb - total);
  if ((counts.get(3) ?? 0) < 0) throw new ValidationError(`degree fractions of ${spec.name} exceed one`);
  const out: number[] = [];
  for (const [d, c] of [...counts.entries()].sort((a, b) => b[0] - a[0])) for (let i = 0; i < c; i++) out.push(d);
  return out;
}

/** Base graph with circulant shifts: per column, its [row, shift] entries. */
function buildBaseGraph(spec: LdpcCodeSpec, degrees: number[], rng: SeededRandom): { columns: [number, number][][]; unresolved: number } {
  const mb = spec.baseRows;
  const Z = spec.lifting;
  const load = new Array<number>(mb).fill(0);
  const pairUse = new Map<number, number>();
  // For each row pair (r1 < r2): the shift differences s(r1) − s(r2) mod Z already used by a column.
  const pairDiffs = new Map<number, Set<number>>();
  const columns: [number, number][][] = [];
  let unresolved = 0;

  const closesFourCycle = (entries: [number, number][]): boolean => {
    for (let a = 0; a < entries.length; a++) {
      for (let b = a + 1; b < entries.length; b++) {
        const [r1, s1] = entries[a][0] < entries[b][0] ? entries[a] : entries[b];
        const [r2, s2] = entries[a][0] < entries[b][0] ? entries[b] : entries[a];
        if (pairDiffs.get(r1 * mb + r2)?.has((((s1 - s2) % Z) + Z) % Z)) return true;
      }
    }
    return false;
  };
  const commit = (entries: [number, number][]): void => {
    for (let a = 0; a < entries.length; a++) {
      load[entries[a][0]]++;
      for (let b = a + 1; b < entries.length; b++) {
        const [r1, s1] = entries[a][0] < entries[b][0] ? entries[a] : entries[b];
        const [r2, s2] = entries[a][0] < entries[b][0] ? entries[b] : entries[a];
        const key = r1 * mb + r2;
        pairUse.set(key, (pairUse.get(key) ?? 0) + 1);
        let set = pairDiffs.get(key);
        if (!set) pairDiffs.set(key, (set = new Set()));
        set.add((((s1 - s2) % Z) + Z) % Z);
      }
    }
    columns.push(entries);
  };
  const withShifts = (rows: number[]): [number, number][] => {
    for (let attempt = 0; ; attempt++) {
      const entries = rows.map((r): [number, number] => [r, rng.below(Z)]);
      if (!closesFourCycle(entries)) return entries;
      if (attempt >= 300) {
        unresolved++;
        return entries;
      }
    }
  };

  // 1. Degree-2 columns: a staircase path over rows 0..d2.
  const d2 = degrees.filter((d) => d === 2).length;
  for (let j = 0; j < d2; j++) commit(withShifts([j, j + 1]));
  // 2. The other columns, highest degree first: least-loaded rows, penalising reused row pairs.
  for (const d of degrees) {
    if (d === 2) continue;
    const chosen: number[] = [];
    for (let k = 0; k < d; k++) {
      let best = -1;
      let bestScore = Infinity;
      for (let r = 0; r < mb; r++) {
        if (chosen.includes(r)) continue;
        let score = load[r] * 4 + rng.double();
        for (const c of chosen) score += 2 * (pairUse.get(Math.min(c, r) * mb + Math.max(c, r)) ?? 0);
        if (score < bestScore) {
          bestScore = score;
          best = r;
        }
      }
      chosen.push(best);
    }
    commit(withShifts(chosen));
  }
  return { columns, unresolved };
}
