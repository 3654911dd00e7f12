/**
 * Group commit: requests submitted one by one are carried out in batches, so
 * that a fixed cost (one ETSI 014 HTTP request, one ML-DSA signature) is paid
 * once per batch instead of once per key. At most `maxInFlight` batches run at
 * a time; what arrives meanwhile waits and leaves in the next batch. Under low
 * load each request goes alone (batch of one, no added wait beyond one
 * `setImmediate`); under load batches grow up to `maxBatch`. Each request
 * still gets its own result: `run` returns one settled result per item.
 */

/** The result of one item of a batch. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

interface Waiting<I, O> {
  item: I;
  resolve: (v: O) => void;
  reject: (e: Error) => void;
}

/** Options of a group-commit queue. */
export interface GroupCommitOptions {
  maxBatch: number;
  maxInFlight: number;
}

/** Batches submissions for `run`, which must return one result per item, in order. */
export class GroupCommit<I, O> {
  private readonly queue: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly run: (items: I[]) => Promise<Settled<O>[]>;
  private readonly opts: GroupCommitOptions;

  constructor(run: (items: I[]) => Promise<Settled<O>[]>, opts: GroupCommitOptions) {
    this.run = run;
    this.opts = opts;
  }

  /** Submit one item; resolves with its own result. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a batch. */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // One turn of the event loop lets requests that arrived together leave together.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      this.runBatch(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const r = results[i];
        if (!r) w.reject(new Error('group commit: no result for this item'));
        else if (r.ok) w.resolve(r.value);
        else w.reject(r.error);
      });
    } catch (err) {
      for (const w of batch) w.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/** Run `fn` on each item, one after the other, collecting settled results (the per-item fallback of a failed batch). */
export async function settleEach<I, O>(items: readonly I[], fn: (item: I) => Promise<O>): Promise<Settled<O>[]> {
  const out: Settled<O>[] = [];
  for (const item of items) {
    try {
      out.push({ ok: true, value: await fn(item) });
    } catch (err) {
      out.push({ ok: false, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  return out;
}
