/** Test helper: every member name anywhere in a JSON value (to assert that no `key` leaf was sent). */
export function memberNames(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => memberNames(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      memberNames(x, out);
    }
  }
  return out;
}
