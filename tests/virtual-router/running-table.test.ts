/**
 * The CCIPS agent's running tables (virtual-router/running-table.ts): an
 * edit is an overlay that reads through to the running table, yields the
 * data path's change in configuration order, and commits into the order a
 * Map would have after the same operations — checked here against a Map.
 */
import { RunningTable, type TableEdit } from '../../virtual-router/running-table.js';

interface E {
  name: string;
  v: number;
}
const e = (name: string, v = 0): E => ({ name, v });

function tableOf(...entries: E[]): RunningTable<E> {
  const t = new RunningTable<E>();
  const ed = t.edit();
  for (const x of entries) ed.set(x.name, x);
  t.commit(ed);
  return t;
}
const names = (xs: { name: string }[]) => xs.map((x) => x.name);

describe('RunningTable and TableEdit', () => {
  it('reads through to the running table; the running table changes only on commit', () => {
    const a = e('a');
    const t = tableOf(a, e('b'));
    const ed = t.edit();
    expect(ed.get('a')).toBe(a);
    ed.delete('a');
    ed.set('c', e('c'));
    expect(ed.has('a')).toBe(false);
    expect(ed.has('c')).toBe(true);
    expect(names(t.values())).toEqual(['a', 'b']);
    t.commit(ed);
    expect(names(t.values())).toEqual(['b', 'c']);
  });

  it('orders as a Map given the same operations: rewritten in place, new and re-added at the end', () => {
    const t = tableOf(e('a'), e('b'), e('c'), e('d'));
    const ed = t.edit();
    const map = new Map(t.values().map((x) => [x.name, x]));
    const ops: [string, E | null][] = [['c', e('c', 1)], ['x', e('x')], ['b', null], ['y', e('y')], ['b', e('b', 1)], ['x', e('x', 1)], ['a', e('a', 1)], ['y', null]];
    for (const [name, v] of ops) {
      if (v === null) {
        ed.delete(name);
        map.delete(name);
      } else {
        ed.set(name, v);
        map.set(name, v);
      }
    }
    expect(ed.entries()).toEqual([...map.values()]);
    const change = ed.change();
    // Changed running entries in running order, then the appended ones; deletions in running order.
    expect(change.add.map((x) => `${x.name}${x.v}`)).toEqual(['a1', 'c1', 'x1', 'b1']);
    expect(change.remove).toEqual(['a', 'b', 'c']);
    t.commit(ed);
    expect(t.values()).toEqual([...map.values()]);
  });

  it('an entry written again as the same object is no change', () => {
    const a = e('a');
    const t = tableOf(a, e('b'));
    const ed = t.edit();
    ed.set('a', a);
    expect(ed.change()).toEqual({ add: [], remove: [] });
  });

  it('a replaced table holds the edit’s entries in the edit’s order; clear() still finds what was there', () => {
    const b = e('b');
    const t = tableOf(e('a'), b, e('c'));
    const ed: TableEdit<E> = t.edit();
    ed.set('c', e('c', 1));
    const before = ed.clear();
    expect(before('b')).toBe(b);
    expect(before('c')?.v).toBe(1);
    expect(ed.has('a')).toBe(false);
    ed.set('c', e('c', 2));
    ed.set('b', b);
    expect(ed.replacesTable).toBe(true);
    expect(ed.change()).toEqual({ add: [e('c', 2)], remove: ['a', 'c'] });
    t.commit(ed);
    expect(t.values()).toEqual([e('c', 2), b]);
  });

  it('positions follow the candidate order', () => {
    const t = tableOf(e('a'), e('b'), e('c'));
    const ed = t.edit();
    ed.set('d', e('d'));
    ed.delete('a');
    ed.set('a', e('a', 1));
    ed.set('c', e('c', 1));
    const order = names(ed.entries());
    expect(order).toEqual(['b', 'c', 'd', 'a']);
    const at = order.map((n) => ed.position(n)!);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
    expect(ed.position('zz')).toBeUndefined();
  });
});
