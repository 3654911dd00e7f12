/**
 * Runs one LCM operation as named steps with progress and undo (HOUSE-STYLE
 * rule 5): each step updates the persisted NsLcmOpOcc (`progress.stage` =
 * `k/n`, a sentence), registers how to undo what it created, and on failure
 * the undo list runs in reverse before the occurrence becomes FAILED with a
 * ProblemDetails that names the stage and the reason (OSM's
 * "<stage> Detail: <error>", without having to read logs).
 */
import { errorMessage, type Logger } from '../../common/index.js';
import type { Collection } from '../store/index.js';
import type { NsLcmOpOcc, ProblemDetails } from '../model.js';

/** Context handed to an operation's body. */
export interface OperationContext {
  /** Enter step k of n. */
  stage(k: number, detail: string): Promise<void>;
  /** Register an undo action for what was just created. */
  onUndo(name: string, fn: () => Promise<void>): void;
  /** Record what the operation produced on its occurrence (e.g. an action's output). */
  record(patch: Pick<NsLcmOpOcc, 'actionResult'>): Promise<void>;
  log: Logger;
}

/** Thrown at a stage boundary when the operation was cancelled (SOL005 6.4.14). */
export class OperationCancelled extends Error {
  constructor() {
    super('cancelled on request');
  }
}

export interface RunOptions {
  /** State on success (a rollback ends ROLLED_BACK). */
  successState?: 'COMPLETED' | 'ROLLED_BACK';
  /** On failure: undo and end FAILED (default), or keep everything and end FAILED_TEMP (a failed rollback). */
  onFailure?: 'undo' | 'keep';
  /** Polled at every stage: true stops the operation there, FAILED_TEMP with nothing undone. */
  cancelled?: () => boolean;
}

/** Run `body` for `op`; resolves when the occurrence reached a final state. */
export async function runOperation(
  op: NsLcmOpOcc,
  steps: number,
  ops: Collection<NsLcmOpOcc>,
  log: Logger,
  body: (ctx: OperationContext) => Promise<void>,
  opts: RunOptions = {},
): Promise<NsLcmOpOcc> {
  const undo: { name: string; fn: () => Promise<void> }[] = [];
  let current = op;
  const save = async (patch: Partial<NsLcmOpOcc>): Promise<void> => {
    current = { ...current, ...patch };
    await ops.put(current.id, current);
  };
  const ctx: OperationContext = {
    stage: async (k, detail) => {
      if (opts.cancelled?.()) throw new OperationCancelled();
      log.info(`stage ${k}/${steps}: ${detail}`, { opOccId: op.id, nsInstanceId: op.nsInstanceId });
      await save({ progress: { stage: `${k}/${steps}`, detail } });
    },
    onUndo: (name, fn) => undo.push({ name, fn }),
    record: (patch) => save(patch),
    log,
  };
  try {
    await body(ctx);
    const state = opts.successState ?? 'COMPLETED';
    await save({ operationState: state, statusEnteredTime: new Date().toISOString(), isCancelPending: false, progress: { stage: `${steps}/${steps}`, detail: state === 'COMPLETED' ? 'completed' : 'rolled back' } });
  } catch (err) {
    const stage = current.progress;
    const detail = `Stage ${stage.stage} (${stage.detail}) failed: ${errorMessage(err)}`;
    if (err instanceof OperationCancelled || opts.onFailure === 'keep') {
      // SOL005: a cancelled operation, or a failed rollback, waits in FAILED_TEMP for retry, rollback or fail.
      const title = err instanceof OperationCancelled ? `${op.lcmOperationType} cancelled` : `${op.lcmOperationType} rollback failed`;
      const what = err instanceof OperationCancelled ? `cancelled before stage ${stage.stage} (${stage.detail}) ended` : detail;
      log.warn(title, { opOccId: op.id });
      await save({ operationState: 'FAILED_TEMP', statusEnteredTime: new Date().toISOString(), isCancelPending: false, error: { status: 500, title, detail: `${what}; nothing was undone: retry, roll back or fail it` } });
      return current;
    }
    log.error('operation failed, rolling back', { opOccId: op.id, error: errorMessage(err) });
    await save({ operationState: 'ROLLING_BACK', statusEnteredTime: new Date().toISOString() });
    const undoErrors: string[] = [];
    for (const u of undo.reverse()) {
      try {
        await u.fn();
      } catch (e) {
        undoErrors.push(`${u.name}: ${errorMessage(e)}`);
        log.error('undo step failed', { opOccId: op.id, step: u.name, error: errorMessage(e) });
      }
    }
    const problem: ProblemDetails = {
      status: 500,
      title: `${op.lcmOperationType} failed`,
      detail: undoErrors.length > 0 ? `${detail}. Rollback incomplete: ${undoErrors.join('; ')}` : `${detail}. Everything created was removed.`,
    };
    await save({ operationState: 'FAILED', statusEnteredTime: new Date().toISOString(), error: problem });
  }
  return current;
}
