/**
 * RFC 9061 `ietf-i2nsf-ikeless` `spd/spd-entry` (`ipsec-policy-grouping` of `ietf-i2nsf-ikec`)
 * ⇄ schema `Tree`. Decoding fills the SPD's own defaults (action discard,
 * ext-seq-num false, algorithm-type 20, key-length 128, integrity [0]); the
 * `ipsec-sa-cfg` container only exists when the action is `protect`.
 * Caveat: an empty `integrity` array is written as nothing, which YANG reads
 * as the leaf-list default `[0]`.
 */
import type { Tree } from './schema.js';
import { big, bool, entries, num, opt, put, putArray, putTree, selectorFromTree, selectorToTree, str, sub, tunnelFromTree, tunnelToTree, values } from './tree-fields.js';
import type { SpdEntry } from './types.js';

type SaCfg = NonNullable<SpdEntry['saCfg']>;

/** SPD entry → tree. */
export function spdEntryToTree(e: SpdEntry): Tree {
  const proc: Tree = {};
  put(proc, 'action', e.action);
  if (e.saCfg) proc['ipsec-sa-cfg'] = saCfgToTree(e.saCfg);
  const pol: Tree = {};
  put(pol, 'anti-replay-window-size', e.antiReplayWindowSize);
  putTree(pol, 'traffic-selector', e.trafficSelector ? selectorToTree(e.trafficSelector) : undefined);
  pol['processing-info'] = proc;
  const t: Tree = {};
  put(t, 'name', e.name);
  put(t, 'direction', e.direction);
  put(t, 'reqid', e.reqid);
  t['ipsec-policy-config'] = pol;
  return t;
}

function saCfgToTree(s: SaCfg): Tree {
  const alg: Tree = {};
  putArray(alg, 'integrity', s.integrity?.map(String));
  putArray(
    alg,
    'encryption',
    s.encryption?.map((x) => {
      const e: Tree = {};
      put(e, 'id', x.id);
      put(e, 'algorithm-type', x.algorithmType);
      put(e, 'key-length', x.keyLength);
      return e;
    }),
  );
  put(alg, 'tfc-pad', s.tfcPad);
  const t: Tree = {};
  put(t, 'pfp-flag', s.pfpFlag);
  put(t, 'ext-seq-num', s.extSeqNum);
  put(t, 'seq-overflow', s.seqOverflow);
  put(t, 'stateful-frag-check', s.statefulFragCheck);
  put(t, 'mode', s.mode);
  put(t, 'protocol-parameters', s.protocolParameters);
  t['esp-algorithms'] = alg;
  putTree(t, 'tunnel', s.tunnel ? tunnelToTree(s.tunnel, false) : undefined);
  return t;
}

/** Validated tree → SPD entry. */
export function spdEntryFromTree(t: Tree): SpdEntry {
  const pol = sub(t, 'ipsec-policy-config') ?? {};
  const proc = sub(pol, 'processing-info') ?? {};
  const action = (proc.action as SpdEntry['action'] | undefined) ?? 'discard';
  return {
    name: str(t, 'name'),
    direction: str(t, 'direction') as SpdEntry['direction'],
    reqid: big(t, 'reqid', 0n),
    antiReplayWindowSize: num(pol, 'anti-replay-window-size', 64),
    trafficSelector: selectorFromTree(sub(pol, 'traffic-selector') ?? {}),
    action,
    ...opt('saCfg', action === 'protect' ? saCfgFromTree(sub(proc, 'ipsec-sa-cfg') ?? {}) : undefined),
  };
}

function saCfgFromTree(t: Tree): SaCfg {
  const alg = sub(t, 'esp-algorithms') ?? {};
  const tun = sub(t, 'tunnel');
  return {
    pfpFlag: bool(t, 'pfp-flag', false),
    extSeqNum: bool(t, 'ext-seq-num', false),
    seqOverflow: bool(t, 'seq-overflow', false),
    statefulFragCheck: bool(t, 'stateful-frag-check', false),
    mode: (t.mode as SaCfg['mode'] | undefined) ?? 'transport',
    protocolParameters: 'esp',
    integrity: (values(alg, 'integrity') ?? ['0']).map(Number),
    encryption: entries(alg, 'encryption').map((e) => ({
      id: num(e, 'id', 0),
      algorithmType: num(e, 'algorithm-type', 20),
      keyLength: num(e, 'key-length', 128),
    })),
    tfcPad: bool(alg, 'tfc-pad', false),
    ...opt('tunnel', tun ? tunnelFromTree(tun) : undefined),
  };
}
