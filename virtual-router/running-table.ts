/**
 * One table (SAD or SPD) of the CCIPS agent's running configuration, and an
 * edit of it in progress. An edit is an overlay on the running table: it
 * records only the entries it names, so merging, diffing and committing cost
 * O(entries in the edit), not O(entries held) — a router holds thousands of
 * SAs and each `<edit-config>` names a few. Only replacing the whole table
 * (RFC 6241 `replace` on the table or above) touches every entry.
 *
 * Order is part of the configuration (`<get-config>` lists entries in it, and
 * the data path installs changed entries in it: the SPD is first-match, and
 * of two outbound SAs of one reqid the later is used). It is the order of a
 * Map the edit's operations were applied to one by one: an entry written
 * again keeps its place; a new entry, or one deleted and written again, goes
 * to the end; a replaced table holds the edit's entries in the edit's order.
 */

/** Anything the tables hold: SAD and SPD entries are keyed by name. */
export interface Named {
  name: string;
}

/** A running entry and its place in the table's order (increasing, not dense). */
interface Slot<T> {
  entry: T;
  seq: number;
}

/**
 * What an edit says about one name: its entry, and whether that entry goes
 * to the end of the table (`appended`) or stays at the running entry's place.
 * `null`: deleted.
 */
type Pending<T> = { entry: T; appended: boolean } | null;

/** What the data path must do for one table: add (candidate order), delete (running order). */
export interface TableChange<T> {
  add: T[];
  remove: string[];
}

/** One table of the running configuration. */
export class RunningTable<T extends Named> {
  private slots = new Map<string, Slot<T>>();
  private nextSeq = 0;

  get size(): number {
    return this.slots.size;
  }

  get(name: string): T | undefined {
    return this.slots.get(name)?.entry;
  }

  has(name: string): boolean {
    return this.slots.has(name);
  }

  /** The entry's place in the table's order (smaller is earlier), or undefined. */
  seqOf(name: string): number | undefined {
    return this.slots.get(name)?.seq;
  }

  /** A place after every running entry: where the edit's appended entries start. */
  get endSeq(): number {
    return this.nextSeq;
  }

  /** Every entry, in order (O(entries): for `<get-config>` and the like, not for edits). */
  values(): T[] {
    return Array.from(this.slots.values(), (s) => s.entry);
  }

  /** Remove one entry (the data path dropped it on its own); returns it. */
  remove(name: string): T | undefined {
    const slot = this.slots.get(name);
    if (slot) this.slots.delete(name);
    return slot?.entry;
  }

  /** Start an edit of this table. */
  edit(): TableEdit<T> {
    return new TableEdit(this);
  }

  /** Make the table what `edit` (of this table, with nothing committed since it started) says. */
  commit(edit: TableEdit<T>): void {
    if (edit.replacesTable) {
      const slots = new Map<string, Slot<T>>();
      for (const e of edit.entries()) slots.set(e.name, { entry: e, seq: this.nextSeq++ });
      this.slots = slots;
      return;
    }
    for (const [name, p] of edit.pendingEntries()) {
      if (p === null) {
        this.slots.delete(name);
      } else if (p.appended) {
        // Delete first: a Map keeps a key's place on set, and this entry goes to the end.
        this.slots.delete(name);
        this.slots.set(name, { entry: p.entry, seq: this.nextSeq++ });
      } else {
        this.slots.get(name)!.entry = p.entry;
      }
    }
  }
}

/**
 * A candidate table: the running table with one edit's operations applied,
 * kept as the names the edit touched. Reads fall through to the running
 * table for names the edit did not touch (unless it replaces the table).
 */
export class TableEdit<T extends Named> {
  private pending = new Map<string, Pending<T>>();
  private replaced = false;
  /** Index of each pending name, built on demand for ordering (the pending map only grows). */
  private pendingIndex: Map<string, number> | undefined;

  constructor(private readonly base: RunningTable<T>) {}

  /** Whether the edit replaces the whole table (the running entries it does not name are gone). */
  get replacesTable(): boolean {
    return this.replaced;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get(name: string): T | undefined {
    const p = this.pending.get(name);
    if (p !== undefined) return p?.entry;
    return this.replaced ? undefined : this.base.get(name);
  }

  delete(name: string): void {
    // Re-inserted, not updated: a name written again after this goes to the end, as in a Map.
    this.pending.delete(name);
    this.pending.set(name, null);
    this.pendingIndex = undefined;
  }

  set(name: string, entry: T): void {
    const p = this.pending.get(name);
    if (p) {
      // Written again in this edit: it keeps its place, whichever that is.
      this.pending.set(name, { entry, appended: p.appended });
      return;
    }
    if (p === null) this.pending.delete(name); // deleted earlier in this edit: back at the end
    this.pending.set(name, { entry, appended: p === null || this.replaced || !this.base.has(name) });
    this.pendingIndex = undefined;
  }

  /**
   * Empty the table (RFC 6241 `replace`); returns a lookup of what the
   * candidate held just before, so entries written again unchanged can keep
   * the installed objects.
   */
  clear(): (name: string) => T | undefined {
    const before = { pending: this.pending, replaced: this.replaced };
    const lookup = (name: string): T | undefined => {
      const p = before.pending.get(name);
      if (p !== undefined) return p?.entry;
      return before.replaced ? undefined : this.base.get(name);
    };
    this.pending = new Map();
    this.replaced = true;
    this.pendingIndex = undefined;
    return lookup;
  }

  /** The names this edit touched, with what it says of each (in the order they were touched). */
  pendingEntries(): IterableIterator<[string, Pending<T>]> {
    return this.pending.entries();
  }

  /**
   * Where the entry `name` stands in the candidate's order (smaller is
   * earlier); undefined when the candidate does not hold it.
   */
  position(name: string): number | undefined {
    const p = this.pending.get(name);
    if (p === null) return undefined;
    if (p === undefined) return this.replaced ? undefined : this.base.seqOf(name);
    if (!p.appended) return this.base.seqOf(name);
    this.pendingIndex ??= new Map(Array.from(this.pending.keys(), (n, i) => [n, i]));
    return this.base.endSeq + this.pendingIndex.get(name)!;
  }

  /** Every entry of the candidate, in order (O(entries held) unless the table is replaced). */
  entries(): T[] {
    const out: T[] = [];
    if (!this.replaced) {
      for (const e of this.base.values()) {
        const p = this.pending.get(e.name);
        if (p === undefined) out.push(e);
        else if (p !== null && !p.appended) out.push(p.entry);
      }
    }
    for (const p of this.pending.values()) if (p?.appended) out.push(p.entry);
    return out;
  }

  /**
   * What changes from the running table to the candidate: entries to add
   * (new or changed objects, candidate order) and running names to delete
   * (gone or changed, running order). A changed entry is in both.
   */
  change(): TableChange<T> {
    if (this.replaced) {
      // Every running entry the candidate does not hold as the same object goes.
      return {
        add: this.entries().filter((e) => this.base.get(e.name) !== e),
        remove: this.base.values().filter((e) => this.get(e.name) !== e).map((e) => e.name),
      };
    }
    const inPlace: T[] = [];
    const appended: T[] = [];
    const remove: string[] = [];
    for (const [name, p] of this.pending) {
      const running = this.base.get(name);
      if (p !== null && p.entry !== running) (p.appended ? appended : inPlace).push(p.entry);
      if (running !== undefined && p?.entry !== running) remove.push(name);
    }
    const seq = (name: string): number => this.base.seqOf(name)!;
    inPlace.sort((a, b) => seq(a.name) - seq(b.name));
    remove.sort((a, b) => seq(a) - seq(b));
    return { add: [...inPlace, ...appended], remove };
  }
}
