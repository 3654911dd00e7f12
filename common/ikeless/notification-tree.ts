/**
 * RFC 9061 `ietf-i2nsf-ikeless` notifications (`sadb-acquire`, `sadb-expire`,
 * `sadb-seq-overflow`, `sadb-bad-spi`, feature `ikeless-notification`)
 * ⇄ schema `Tree`. `soft-lifetime-expire` defaults to true when absent.
 */
import type { Tree } from './schema.js';
import { bool, fullLifetimeFromTree, lifetimeToTree, num, opt, put, selectorFromTree, selectorToTree, str, sub } from './tree-fields.js';
import type { IkelessNotification } from './types.js';

/** Notification → its YANG name and content tree. */
export function notificationToTree(n: IkelessNotification): { name: string; tree: Tree } {
  const t: Tree = {};
  switch (n.type) {
    case 'sadb-acquire':
      put(t, 'ipsec-policy-name', n.ipsecPolicyName);
      if (n.trafficSelector) t['traffic-selector'] = selectorToTree(n.trafficSelector);
      break;
    case 'sadb-expire':
      put(t, 'ipsec-sa-name', n.ipsecSaName);
      put(t, 'soft-lifetime-expire', n.softLifetimeExpire);
      if (n.lifetimeCurrent) t['lifetime-current'] = lifetimeToTree(n.lifetimeCurrent);
      break;
    case 'sadb-seq-overflow':
      put(t, 'ipsec-sa-name', n.ipsecSaName);
      break;
    case 'sadb-bad-spi':
      put(t, 'spi', n.spi);
      break;
  }
  return { name: n.type, tree: t };
}

/** Validated content tree of the notification `name` → notification. */
export function notificationFromTree(name: string, t: Tree): IkelessNotification {
  switch (name) {
    case 'sadb-acquire':
      return { type: 'sadb-acquire', ipsecPolicyName: str(t, 'ipsec-policy-name'), trafficSelector: selectorFromTree(sub(t, 'traffic-selector') ?? {}) };
    case 'sadb-expire': {
      const cur = sub(t, 'lifetime-current');
      return {
        type: 'sadb-expire',
        ipsecSaName: str(t, 'ipsec-sa-name'),
        softLifetimeExpire: bool(t, 'soft-lifetime-expire', true),
        ...opt('lifetimeCurrent', cur ? fullLifetimeFromTree(cur) : undefined),
      };
    }
    case 'sadb-seq-overflow':
      return { type: 'sadb-seq-overflow', ipsecSaName: str(t, 'ipsec-sa-name') };
    default:
      return { type: 'sadb-bad-spi', spi: num(t, 'spi', 0) };
  }
}
