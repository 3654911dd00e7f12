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
  log: Logger;
}

/** Run `body` for `op`; resolves when the occurrence reached a final state. */
export async function runOperation(
  op: NsLcmOpOcc,
  steps: number,
  ops: Collection<NsLcmOpOcc>,
  log: Logger,
  body: (ctx: OperationContext) => Promise<void>,
): Promise<NsLcmOpOcc> {
  const undo: { name: string; fn: () => Promise<void> }[] = [];
  let current = op;
  const save = async (patch: Partial<NsLcmOpOcc>): Promise<void> => {
    current = { ...current, ...patch };
    await ops.put(current.id, current);
  };
  const ctx: OperationContext = {
    stage: async (k, detail) => {
      log.info(`stage ${k}/${steps}: ${detail}`, { opOccId: op.id, nsInstanceId: op.nsInstanceId });
      await save({ progress: { stage: `${k}/${steps}`, detail } });
    },
    onUndo: (name, fn) => undo.push({ name, fn }),
    log,
  };
  try {
    await body(ctx);
    await save({ operationState: 'COMPLETED', statusEnteredTime: new Date().toISOString(), progress: { stage: `${steps}/${steps}`, detail: 'completed' } });
  } catch (err) {
    const stage = current.progress;
    const detail = `Stage ${stage.stage} (${stage.detail}) failed: ${errorMessage(err)}`;
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
