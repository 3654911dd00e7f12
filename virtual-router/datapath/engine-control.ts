/**
 * What the data path worker does with control requests from the main thread,
 * whatever its packet I/O (TUN or UDP wires): all-or-nothing SAD/SPD edits,
 * state reads, stop, and — on UDP wires — the prefixes routed into the
 * tunnel. One request in, one response out.
 */
import type { EspEngine } from '../esp/index.js';
import { errorMessage } from '../../common/index.js';
import type { StopFlag } from '../tun/index.js';
import type { ControlRequest, ControlResponse, DatapathEdit, DatapathState } from './control-messages.js';

/** The I/O-specific parts a request may need. */
export interface ControlContext {
  engine: EspEngine;
  stop: StopFlag;
  /** I/O counters added to `state`. */
  ioState(): Pick<DatapathState, 'tun' | 'wire'>;
  /** Present on UDP wires only. */
  setTunnelRoutes?(prefixes: string[]): void;
}

/** Apply an edit; on failure undo what this edit already did, so it is all-or-nothing. */
export function applyEdit(engine: EspEngine, edit: DatapathEdit): void {
  const addedSas: string[] = [];
  const addedPolicies: string[] = [];
  // An outbound SA replaced under the same name keeps counting where it was: restarting its
  // sequence number would repeat AES-GCM IVs (IV = sequence number) under a key that may be unchanged.
  // Looked up by name: the cost of an edit follows its own size, not the number of SAs installed.
  const carried = new Map<string, bigint>();
  for (const e of edit.addSa) {
    const sa = engine.saInfo(e.name);
    if (sa?.direction === 'outbound') carried.set(sa.name, sa.state.replayStats.seqNumberCounter);
  }
  try {
    // Deleting first lets an edit replace an entry under the same name.
    for (const name of edit.deletePolicy) engine.deletePolicy(name);
    for (const name of edit.deleteSa) engine.deleteSa(name);
    for (const sa of edit.addSa) {
      const seq = carried.get(sa.name);
      engine.addSa(sa, seq === undefined ? {} : { seqNumberCounter: seq });
      addedSas.push(sa.name);
    }
    for (const sp of edit.addPolicy) {
      engine.addPolicy(sp);
      addedPolicies.push(sp.name);
    }
  } catch (err) {
    for (const n of addedPolicies) engine.deletePolicy(n);
    for (const n of addedSas) engine.deleteSa(n);
    throw err;
  } finally {
    for (const sa of edit.addSa) {
      sa.espSa.encryption.key?.fill(0);
      sa.espSa.integrity.key?.fill(0);
    }
  }
}

/** SA states and counters of the engine, with the I/O's counters. */
export function datapathState(ctx: ControlContext): DatapathState {
  const c = ctx.engine.counters();
  return {
    sas: ctx.engine.listSas().map((s) => ({
      name: s.name,
      spi: s.spi,
      direction: s.direction,
      state: s.state,
      authFailures: s.counters.authFailures,
      replayDrops: s.counters.replayDrops + s.counters.tooOldDrops,
    })),
    counters: { encrypted: c.encrypted, decrypted: c.decrypted, bypassed: c.bypassed, drops: { ...c.drops } },
    ...ctx.ioState(),
  };
}

/** Answer one control request. */
export function handleRequest(ctx: ControlContext, req: ControlRequest): ControlResponse {
  try {
    switch (req.op) {
      case 'apply':
        applyEdit(ctx.engine, req.edit);
        return { id: req.id, ok: true };
      case 'state':
        return { id: req.id, ok: true, result: datapathState(ctx) };
      case 'tunnel-routes':
        if (!ctx.setTunnelRoutes) return { id: req.id, ok: false, error: 'routes into the tunnel are the kernel\'s on a TUN data path (RouteTable)' };
        ctx.setTunnelRoutes(req.prefixes);
        return { id: req.id, ok: true };
      case 'stop':
        ctx.stop.stop();
        return { id: req.id, ok: true };
    }
  } catch (err) {
    return { id: req.id, ok: false, error: errorMessage(err) };
  }
}
