/**
 * In-process serialisation: an async lock (a promise chain), and a registry
 * of named locks so that drivers of one installation in one process (two
 * domains on one host) do not interleave their read-modify-write steps.
 * Caveat: it does not reach other processes; see ipam.ts for that case.
 */

/** Runs functions one after another. */
export type Lock = <T>(fn: () => Promise<T>) => Promise<T>;

/** A new lock: each call runs after every earlier call has settled. */
export function createLock(): Lock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const result = tail.then(fn, fn);
    tail = result.catch(() => undefined);
    return result;
  };
}

const named = new Map<string, Lock>();

/** The process-wide lock of that name (created on first use). */
export function namedLock(name: string): Lock {
  let lock = named.get(name);
  if (!lock) {
    lock = createLock();
    named.set(name, lock);
  }
  return lock;
}
