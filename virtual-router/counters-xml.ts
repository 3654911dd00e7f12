/**
 * The data path counters as XML of the `qnfv-router` YANG module
 * (virtual-router/yang/qnfv-router@2026-11-23.yang): packets encrypted,
 * decrypted, bypassed, and dropped per reason — returned by `<get>` beside
 * RFC 9061's `ipsec-ikeless` state.
 */
import { elem, type XmlElement } from '../common/netconf/index.js';

export const QNFV_ROUTER_NS = 'urn:qnfv:yang:qnfv-router';
export const QNFV_ROUTER_CAPABILITY = `${QNFV_ROUTER_NS}?module=qnfv-router&revision=2026-11-23`;

/** `<datapath xmlns="urn:qnfv:yang:qnfv-router">` from the engine's counters. */
export function datapathCountersXml(c: { encrypted: number; decrypted: number; bypassed: number; drops: Record<string, number> }): XmlElement {
  const leaf = (name: string, v: number | string) => elem(name, QNFV_ROUTER_NS, [], String(v));
  return elem('datapath', QNFV_ROUTER_NS, [
    leaf('encrypted', c.encrypted),
    leaf('decrypted', c.decrypted),
    leaf('bypassed', c.bypassed),
    ...Object.entries(c.drops).map(([reason, packets]) => elem('drop', QNFV_ROUTER_NS, [leaf('reason', reason), leaf('packets', packets)])),
  ]);
}

/** Counters back from a `<get>` reply (a client's view). */
export function datapathCountersFromXml(el: XmlElement | undefined): { encrypted: number; decrypted: number; bypassed: number; drops: Record<string, number> } {
  const num = (name: string) => Number(el?.children.find((c) => c.name === name)?.text ?? 0);
  const drops: Record<string, number> = {};
  for (const d of el?.children.filter((c) => c.name === 'drop') ?? []) {
    const reason = d.children.find((c) => c.name === 'reason')?.text;
    if (reason) drops[reason] = Number(d.children.find((c) => c.name === 'packets')?.text ?? 0);
  }
  return { encrypted: num('encrypted'), decrypted: num('decrypted'), bypassed: num('bypassed'), drops };
}
