import { formatPath, lineOf, loadYaml, positionAt, type PathSegment } from '../../vnfd/index.js';

const TEXT = `# comment
vnfd:
  version: 1.0
  list:
  - id: a
    x: 'q'
  - plain
  - - nested
  desc: >
    folded
    text
  flow: {a: 1, b: [10, 20]}
  "odd.key": 2
  empty:
`;

describe('YAML line index (js-yaml 5 events)', () => {
  const { source, problems } = loadYaml(TEXT, 'x.yaml');

  it('loads the same value as a plain load and reports no problem', () => {
    expect(problems).toEqual([]);
    expect(source?.value).toEqual({
      vnfd: { version: 1, list: [{ id: 'a', x: 'q' }, 'plain', ['nested']], desc: 'folded text\n', flow: { a: 1, b: [10, 20] }, 'odd.key': 2, empty: null },
    });
  });

  it('maps mapping entries to their key line and list items to where they start', () => {
    const line = (path: string): number | undefined => source?.positions.get(path)?.line;
    expect(line('vnfd')).toBe(2);
    expect(line('vnfd.version')).toBe(3);
    expect(line('vnfd.list')).toBe(4);
    expect(line('vnfd.list[0]')).toBe(5);
    expect(line('vnfd.list[0].x')).toBe(6);
    expect(line('vnfd.list[1]')).toBe(7);
    expect(line('vnfd.list[2][0]')).toBe(8);
    expect(line('vnfd.desc')).toBe(9);
    expect(line('vnfd.flow.b[1]')).toBe(12);
    expect(line("vnfd['odd.key']")).toBe(13);
    expect(line('vnfd.empty')).toBe(14);
  });

  it('keeps the source text of plain scalars (version 1.0 stays "1.0")', () => {
    expect(source?.positions.get('vnfd.version')?.plain).toBe('1.0');
    expect(source?.positions.get('vnfd.list[0].x')?.plain).toBeUndefined(); // quoted
  });

  it('falls back to the nearest ancestor for paths not written (missing fields)', () => {
    expect(lineOf(source?.positions, ['vnfd', 'list', 0, 'missing'])).toBe(5);
    expect(lineOf(source?.positions, ['nowhere'])).toBeUndefined();
  });

  it('gives nodes under an alias the line of the alias', () => {
    const r = loadYaml('a: &x\n  b: 1\nc: *x\n');
    expect(r.source?.value).toEqual({ a: { b: 1 }, c: { b: 1 } });
    expect(lineOf(r.source?.positions, ['c', 'b'])).toBe(3);
    expect(lineOf(r.source?.positions, ['a', 'b'])).toBe(2);
  });

  it('formats paths with bracket-quoting for awkward keys', () => {
    expect(formatPath(['vnfd', 'df', 0, 'vdu-profile', 1, 'id'])).toBe('vnfd.df[0].vdu-profile[1].id');
    expect(formatPath(['nsd', 'nsd', 0, 'qnfv:security-profile'])).toBe('nsd.nsd[0].qnfv:security-profile');
    expect(formatPath(['a.b', 'c d'])).toBe("['a.b']['c d']");
  });

  it('reports syntax errors with their line', () => {
    const r = loadYaml('vnfd:\n  id: x\n  list: [a, b\n  other: 1\n', 'bad.yaml');
    expect(r.source).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ path: '(yaml)', file: 'bad.yaml' });
    expect(r.problems[0].message).toMatch(/^YAML error: /);
    expect(r.problems[0].line).toBeGreaterThanOrEqual(3);
  });

  it('reports a duplicated key at the duplicate', () => {
    const r = loadYaml('vnfd:\n  id: a\n  id: b\n');
    expect(r.problems[0].message).toMatch(/duplicated mapping key/);
    expect(r.problems[0].line).toBe(3);
  });

  it('refuses several documents and an empty file', () => {
    expect(loadYaml('a: 1\n---\nb: 2\n').problems[0].message).toMatch(/2 YAML documents/);
    expect(loadYaml('').problems[0].message).toMatch(/no YAML document|YAML error/);
  });
});

describe('line index built on demand', () => {
  const PATHS: PathSegment[][] = [
    ['vnfd'],
    ['vnfd', 'version'],
    ['vnfd', 'list'],
    ['vnfd', 'list', 0],
    ['vnfd', 'list', 0, 'x'],
    ['vnfd', 'list', 1],
    ['vnfd', 'list', 2, 0],
    ['vnfd', 'desc'],
    ['vnfd', 'flow', 'b', 1],
    ['vnfd', 'odd.key'],
    ['vnfd', 'empty'],
    ['vnfd', 'missing'],
    ['vnfd', 'list', 7],
    ['vnfd', 'list', 'x'],
    ['nowhere'],
  ];

  it('positionAt on a fresh document finds what the full index holds, without building it', () => {
    const full = loadYaml(TEXT).source!.positions;
    for (const path of PATHS) {
      const fresh = loadYaml(TEXT).source!.positions;
      expect([path, positionAt(fresh, path)]).toEqual([path, full.get(formatPath(path))]);
    }
    expect(positionAt(loadYaml(TEXT).source?.positions, ['vnfd', 'version'])).toEqual({ line: 3, plain: '1.0' });
    // Once the index is built, positionAt reads it.
    expect(positionAt(full, ['vnfd', 'list', 0, 'x'])).toEqual({ line: 6 });
  });

  it('positionAt skips alias keys and nodes under an alias like the index does', () => {
    const text = 'a: &k key\n*k : {m: 1}\nz: &x\n  y: 2\nw: *x\n';
    const at = (path: PathSegment[]) => positionAt(loadYaml(text).source?.positions, path);
    const full = loadYaml(text).source!.positions;
    expect(at(['z'])?.line).toBe(3);
    expect(at(['z', 'y'])?.line).toBe(4);
    expect(at(['w'])?.line).toBe(5);
    for (const path of [['w', 'y'], ['key'], ['key', 'm']]) {
      expect(at(path)).toBeUndefined();
      expect(full.get(formatPath(path))).toBeUndefined();
    }
  });

  it('reads as a Map: size, iteration, has, forEach', () => {
    const positions = loadYaml(TEXT).source!.positions;
    expect(positions.size).toBe([...positions.keys()].length);
    expect(new Map(positions).get('vnfd.list[0].x')).toEqual({ line: 6 });
    expect(loadYaml(TEXT).source!.positions.has('vnfd.flow.b[1]')).toBe(true);
    expect([...loadYaml(TEXT).source!.positions.entries()]).toEqual([...positions]);
    const seen: string[] = [];
    loadYaml(TEXT).source!.positions.forEach((_, k) => seen.push(k));
    expect(seen).toEqual([...positions.keys()]);
  });
});
