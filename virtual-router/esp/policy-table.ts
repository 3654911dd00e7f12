/**
 * The SPD (RFC 4301 §4.4.1, RFC 9061 `spd-entry`), as strongSwan's
 * `ipsec_policy_mgr.c`: an ordered list searched first match wins. Outbound
 * entries decide protect / bypass / discard for packets read from the TUN
 * (RFC 4301 §5.1 step 1); inbound entries are kept (the NETCONF agent reports
 * them) while inbound ESP is checked against its SA's own selector (§5.2 step 4).
 */
import { ConflictError, ValidationError, type Problem } from '../../common/index.js';
import type { SpdAction, SpdEntry } from '../../common/ikeless/types.js';
import type { FlowKey } from './ipv4-packet.js';
import { compileSelector, selectorMatches, type CompiledSelector } from './traffic-selector.js';

/** An installed SPD entry. */
export interface Policy {
  readonly name: string;
  readonly direction: SpdEntry['direction'];
  readonly action: SpdAction;
  readonly reqid: bigint;
  readonly selector: CompiledSelector;
  /** The configured selector, for `sadb-acquire`'s policy and for listings. */
  readonly entry: SpdEntry;
  /** When the last `sadb-acquire` for this policy was raised (ms), for rate limiting. */
  lastAcquireAt: number;
}

const ACTIONS: readonly SpdAction[] = ['protect', 'bypass', 'discard'];

/** Security Policy Database of one engine. */
export class PolicyTable {
  private readonly outbound: Policy[] = [];
  private readonly inbound: Policy[] = [];
  private readonly byName = new Map<string, Policy>();

  /** Validate and append (first match wins); ValidationError names the field, ConflictError on a duplicate name. */
  add(entry: SpdEntry): Policy {
    const problems: Problem[] = [];
    const name = typeof entry?.name === 'string' ? entry.name : '';
    if (name === '') problems.push({ path: 'name', message: 'is missing' });
    if (entry.direction !== 'inbound' && entry.direction !== 'outbound') {
      problems.push({ path: 'direction', message: `'${String(entry.direction)}' is not inbound or outbound` });
    }
    if (!ACTIONS.includes(entry.action)) problems.push({ path: 'action', message: `'${String(entry.action)}' is not protect, bypass or discard` });
    if (typeof entry.reqid !== 'bigint') problems.push({ path: 'reqid', message: 'is not a bigint' });
    if (entry.action === 'protect' && entry.saCfg && entry.saCfg.mode !== 'tunnel') {
      problems.push({ path: 'saCfg.mode', message: `'${entry.saCfg.mode}' is not supported; only 'tunnel'` });
    }
    let selector: CompiledSelector | undefined;
    try {
      selector = compileSelector(entry.trafficSelector, 'trafficSelector');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(...err.problems);
    }
    if (problems.length > 0 || !selector) throw new ValidationError(`spd-entry '${name}' is unusable`, problems);
    if (this.byName.has(name)) throw new ConflictError(`spd-entry '${name}' is already installed`);
    const policy: Policy = {
      name,
      direction: entry.direction,
      action: entry.action,
      reqid: entry.reqid,
      selector,
      entry,
      lastAcquireAt: -Infinity,
    };
    this.byName.set(name, policy);
    (entry.direction === 'outbound' ? this.outbound : this.inbound).push(policy);
    return policy;
  }

  /** Remove by name; true when it existed. */
  remove(name: string): boolean {
    const p = this.byName.get(name);
    if (!p) return false;
    this.byName.delete(name);
    const list = p.direction === 'outbound' ? this.outbound : this.inbound;
    list.splice(list.indexOf(p), 1);
    return true;
  }

  /** First outbound entry whose selector matches the packet, or undefined. */
  lookupOutbound(key: FlowKey): Policy | undefined {
    const list = this.outbound;
    for (let i = 0; i < list.length; i++) {
      if (selectorMatches(list[i].selector, key)) return list[i];
    }
    return undefined;
  }

  /** Every entry, outbound first, each in order. */
  all(): Policy[] {
    return [...this.outbound, ...this.inbound];
  }
}
