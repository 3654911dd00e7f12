/** Plain-text tables for the CLI (column widths from the content, no colours). */

/** Render rows under headers; cells are stringified, undefined shows as '-'. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null || c === '' ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Key/value lines for one record (nested values as compact JSON). */
export function details(rec: Record<string, unknown>): string {
  const keys = Object.keys(rec).filter((k) => k !== '_links');
  const w = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(w)}  ${typeof rec[k] === 'object' && rec[k] !== null ? JSON.stringify(rec[k]) : String(rec[k])}`).join('\n');
}

/** A progress bar for an LCM stage `k/n`: `[#####-----] 3/7`. */
export function progressBar(stage: string, width = 20): string {
  const m = /^(\d+)\/(\d+)$/.exec(stage);
  if (!m) return `[${' '.repeat(width)}] ${stage}`;
  const k = Number(m[1]);
  const n = Math.max(1, Number(m[2]));
  const full = Math.round((Math.min(k, n) / n) * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${k}/${n}`;
}
