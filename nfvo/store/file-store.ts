/**
 * Embedded store: one JSON file per record under `<dataDir>/<collection>/`,
 * written atomically (write to a temporary file in the same directory, fsync,
 * rename), so a crash never leaves a half-written record and a restart of the
 * NFVO loses nothing that was acknowledged. Writes to one record are
 * serialised. The text of each record this process has read or written is
 * kept in memory (parsed afresh for every caller), so listing a collection
 * costs one directory read plus the files not seen yet: one NFVO process
 * owns a data directory.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../common/index.js';
import type { Collection, Store } from './store.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** True when an id can be a file name (no path separators, no dot-only names). */
function isSafeId(id: string): boolean {
  return SAFE_ID.test(id) && id !== '.' && id !== '..';
}

/** The file name of a record, or a ValidationError for an id that could escape the folder. */
function fileNameFor(id: string): string {
  if (!isSafeId(id)) {
    throw new ValidationError(`record id '${id}' is not a valid identifier (letters, digits, '.', '_', '-')`);
  }
  return `${id}.json`;
}

class FileCollection<T> implements Collection<T> {
  private ready: Promise<unknown>;
  private readonly queues = new Map<string, Promise<unknown>>();
  /** JSON text of records by id, as on disk. */
  private readonly texts = new Map<string, string>();

  constructor(private readonly dir: string) {
    this.ready = mkdir(dir, { recursive: true, mode: 0o700 });
  }

  async get(id: string): Promise<T | undefined> {
    // No record can have such an id (put refuses it): nothing to find, nothing read outside the folder.
    if (!isSafeId(id)) return undefined;
    const text = await this.read(id);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** A record's text: from memory, else from its file (then remembered). */
  private async read(id: string): Promise<string | undefined> {
    const known = this.texts.get(id);
    if (known !== undefined) return known;
    await this.ready;
    try {
      const text = await readFile(join(this.dir, fileNameFor(id)), 'utf8');
      JSON.parse(text); // only well-formed records are remembered
      // A write that finished meanwhile wins over what was read before it.
      if (!this.texts.has(id) && !this.queues.has(id)) this.texts.set(id, text);
      return this.texts.get(id) ?? text;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(id: string, value: T): Promise<void> {
    const file = join(this.dir, fileNameFor(id));
    // Serialise before creating any file: a value JSON cannot hold (a bigint) leaves nothing behind.
    const text = JSON.stringify(value, null, 1);
    return this.serialise(id, async () => {
      await this.ready;
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        const fh = await open(tmp, 'w', 0o600);
        try {
          await fh.writeFile(text);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, file);
        this.texts.set(id, text);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    });
  }

  async delete(id: string): Promise<boolean> {
    const file = join(this.dir, fileNameFor(id));
    return this.serialise(id, async () => {
      await this.ready;
      this.texts.delete(id);
      try {
        await rm(file);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    });
  }

  async list(): Promise<T[]> {
    await this.ready;
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    const texts = await Promise.all(names.map((n) => this.read(n.slice(0, -5)).catch(() => undefined)));
    const out: T[] = [];
    for (const t of texts) {
      if (t === undefined) continue;
      try {
        out.push(JSON.parse(t) as T);
      } catch {
        // A damaged file is skipped, as before.
      }
    }
    return out;
  }

  /** Run writes to one record one after another. */
  private serialise<R>(id: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.queues.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return next;
  }
}

/** A Store whose collections are folders of JSON files under `dataDir`. */
export class FileStore implements Store {
  private readonly collections = new Map<string, FileCollection<unknown>>();
  constructor(private readonly dataDir: string) {}

  collection<T>(name: string): Collection<T> {
    fileNameFor(name);
    let c = this.collections.get(name);
    if (!c) {
      c = new FileCollection<unknown>(join(this.dataDir, name));
      this.collections.set(name, c);
    }
    return c as Collection<T>;
  }

  async close(): Promise<void> {
    // Nothing is buffered: every put is on disk when it resolves.
  }
}
