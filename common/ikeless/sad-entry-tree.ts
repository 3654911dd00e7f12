/**
 * RFC 9061 `ietf-i2nsf-ikeless` `sad/sad-entry` and its `ipsec-sa-state` ⇄ schema `Tree`.
 * Decoding fills the SAD's own defaults (ext-seq-num true, encryption and
 * integrity algorithm 12, mode transport) — they differ from the SPD's, so
 * encoding always writes those leaves explicitly. Key leaves become
 * `yang:hex-string`s; leaving them out is the caller's `withKeys` choice.
 */
import { toYangHexString } from '../hex.js';
import type { Tree } from './schema.js';
import {
  big,
  bool,
  fullLifetimeFromTree,
  lifetimeFromTree,
  lifetimeToTree,
  num,
  opt,
  optNum,
  put,
  putArray,
  putTree,
  selectorFromTree,
  selectorToTree,
  str,
  sub,
  tunnelFromTree,
  tunnelToTree,
  values,
} from './tree-fields.js';
import type { EncapsulationType, EspSa, SadEntry, SadEntryState, SoftLifetime } from './types.js';

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : toYangHexString(b));
/**
 * A `yang:hex-string` leaf of a validated tree → its own bytes (key material). `validateTree` has
 * checked the form already, so Node decodes the hex straight into them (no array of octets per key).
 */
const bytes = (t: Tree, name: string): Uint8Array | undefined => {
  const v = t[name] as string | undefined;
  if (v === undefined) return undefined;
  const digits = v.replaceAll(':', '');
  const out = new Uint8Array(digits.length / 2);
  // A Buffer view of `out`, not Buffer.from(digits): that copy would sit in Node's shared pool, unwiped.
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(digits, 'hex');
  return out;
};

/** SAD entry → tree (key leaves included when set). */
export function sadEntryToTree(e: SadEntry): Tree {
  const c: Tree = {};
  put(c, 'spi', e.spi);
  put(c, 'ext-seq-num', e.extSeqNum);
  put(c, 'seq-overflow', e.seqOverflow);
  put(c, 'anti-replay-window-size', e.antiReplayWindowSize);
  putTree(c, 'traffic-selector', e.trafficSelector ? selectorToTree(e.trafficSelector) : undefined);
  put(c, 'protocol-parameters', e.protocolParameters);
  put(c, 'mode', e.mode);
  if (e.espSa) c['esp-sa'] = espSaToTree(e.espSa);
  putTree(c, 'sa-lifetime-hard', e.lifetimeHard ? lifetimeToTree(e.lifetimeHard) : undefined);
  if (e.lifetimeSoft) {
    const soft = lifetimeToTree(e.lifetimeSoft);
    put(soft, 'action', e.lifetimeSoft.action);
    c['sa-lifetime-soft'] = soft;
  }
  putTree(c, 'tunnel', e.tunnel ? tunnelToTree(e.tunnel, true) : undefined);
  if (e.encapsulationType) {
    const x = e.encapsulationType;
    const t: Tree = {};
    put(t, 'espencap', x.espencap);
    put(t, 'sport', x.sport);
    put(t, 'dport', x.dport);
    putArray(t, 'oaddr', x.oaddr);
    c['encapsulation-type'] = t;
  }
  const t: Tree = {};
  put(t, 'name', e.name);
  put(t, 'reqid', e.reqid);
  t['ipsec-sa-config'] = c;
  return t;
}

function espSaToTree(esp: EspSa): Tree {
  const enc: Tree = {};
  put(enc, 'encryption-algorithm', esp.encryption?.algorithm);
  put(enc, 'key', hex(esp.encryption?.key));
  put(enc, 'iv', hex(esp.encryption?.iv));
  const integ: Tree = {};
  put(integ, 'integrity-algorithm', esp.integrity?.algorithm);
  put(integ, 'key', hex(esp.integrity?.key));
  return { encryption: enc, integrity: integ };
}

/** Validated tree → SAD entry. */
export function sadEntryFromTree(t: Tree): SadEntry {
  const c = sub(t, 'ipsec-sa-config') ?? {};
  const esp = sub(c, 'esp-sa') ?? {};
  const enc = sub(esp, 'encryption') ?? {};
  const integ = sub(esp, 'integrity') ?? {};
  const soft = sub(c, 'sa-lifetime-soft');
  const hard = sub(c, 'sa-lifetime-hard');
  const tun = sub(c, 'tunnel');
  const encap = sub(c, 'encapsulation-type');
  return {
    name: str(t, 'name'),
    reqid: big(t, 'reqid', 0n),
    spi: num(c, 'spi', 0),
    extSeqNum: bool(c, 'ext-seq-num', true),
    seqOverflow: bool(c, 'seq-overflow', false),
    antiReplayWindowSize: num(c, 'anti-replay-window-size', 64),
    trafficSelector: selectorFromTree(sub(c, 'traffic-selector') ?? {}),
    protocolParameters: 'esp',
    mode: (c.mode as SadEntry['mode'] | undefined) ?? 'transport',
    espSa: {
      encryption: { algorithm: num(enc, 'encryption-algorithm', 12), ...opt('key', bytes(enc, 'key')), ...opt('iv', bytes(enc, 'iv')) },
      integrity: { algorithm: num(integ, 'integrity-algorithm', 12), ...opt('key', bytes(integ, 'key')) },
    },
    ...opt('lifetimeHard', hard ? lifetimeFromTree(hard) : undefined),
    ...opt('lifetimeSoft', soft ? softFromTree(soft) : undefined),
    ...opt('tunnel', tun ? tunnelFromTree(tun) : undefined),
    ...opt('encapsulationType', encap ? encapFromTree(encap) : undefined),
  };
}

function softFromTree(t: Tree): SoftLifetime {
  return { ...lifetimeFromTree(t), ...opt('action', t.action as SoftLifetime['action']) };
}

function encapFromTree(t: Tree): EncapsulationType {
  return {
    ...opt('espencap', t.espencap as EncapsulationType['espencap']),
    ...opt('sport', optNum(t, 'sport')),
    ...opt('dport', optNum(t, 'dport')),
    ...opt('oaddr', values(t, 'oaddr')),
  };
}

/** `ipsec-sa-state` → tree (every leaf written). */
export function saStateToTree(s: SadEntryState): Tree {
  const cur = lifetimeToTree(s.lifetimeCurrent);
  const rs = s.replayStats;
  const window: Tree = {};
  put(window, 'w', rs.replayWindow.w);
  put(window, 't', rs.replayWindow.t);
  put(window, 'b', rs.replayWindow.b);
  const stats: Tree = { 'replay-window': window };
  put(stats, 'packet-dropped', rs.packetDropped);
  put(stats, 'failed', rs.failed);
  put(stats, 'seq-number-counter', rs.seqNumberCounter);
  return { 'sa-lifetime-current': cur, 'replay-stats': stats };
}

/** Validated `ipsec-sa-state` tree of the entry `name` → state; absent counters read as 0. */
export function saStateFromTree(name: string, t: Tree): SadEntryState {
  const stats = sub(t, 'replay-stats') ?? {};
  const w = sub(stats, 'replay-window') ?? {};
  return {
    name,
    lifetimeCurrent: fullLifetimeFromTree(sub(t, 'sa-lifetime-current')),
    replayStats: {
      replayWindow: { w: num(w, 'w', 0), t: num(w, 't', 0), b: num(w, 'b', 0) },
      packetDropped: num(stats, 'packet-dropped', 0),
      failed: num(stats, 'failed', 0),
      seqNumberCounter: big(stats, 'seq-number-counter', 0n),
    },
  };
}

