/**
 * What each external connection point of a validated VNFD stands for (ETSI GS NFV-SOL 006
 * `vnfd:ext-cpd`, choice `cp-connection`): either a VDU's internal CP (`int-cpd: {vdu-id, cpd}`),
 * with that CP's virtual network interface requirements (interface name, position, type), or an
 * internal virtual link (`int-virtual-link-desc`), with the VDU CPs attached to it. The NFVO
 * uses it to wire an NS virtual link to a VDU interface, and the VCA to find the management
 * interface (`mgmt-cp`).
 */
import type { VirtualNetworkInterfaceRequirement, Vnfd } from './vnfd-model.js';

/** One ext-cpd and what it exposes. */
export interface ExtCpdBinding {
  extCpd: string;
  /** Whether it is the VNFD's `mgmt-cp`. */
  mgmt: boolean;
  /** The VDU whose internal CP it exposes. */
  vduId?: string;
  /** That VDU's int-cpd. */
  intCpd?: string;
  /** The int-cpd's interface requirements (name, position, type), in order. */
  interfaces: VirtualNetworkInterfaceRequirement[];
  /** Or: the internal virtual link it exposes. */
  intVirtualLinkDesc?: string;
  /** The VDU CPs on that internal virtual link. */
  members: { vduId: string; intCpd: string }[];
}

/** Every ext-cpd of the VNFD, in order, with what it exposes. */
export function extCpdBindings(vnfd: Vnfd): ExtCpdBinding[] {
  return vnfd.extCpd.map((cp) => {
    const base = { extCpd: cp.id, mgmt: cp.id === vnfd.mgmtCp };
    if (cp.intCpd) {
      const { vduId, cpd } = cp.intCpd;
      const intCpd = vnfd.vdu.find((v) => v.id === vduId)?.intCpd.find((c) => c.id === cpd);
      return { ...base, vduId, intCpd: cpd, interfaces: intCpd?.virtualNetworkInterfaceRequirement ?? [], members: [] };
    }
    const link = cp.intVirtualLinkDesc;
    const members = link === undefined ? [] : vnfd.vdu.flatMap((v) => v.intCpd.filter((c) => c.intVirtualLinkDesc === link).map((c) => ({ vduId: v.id, intCpd: c.id })));
    return { ...base, ...(link !== undefined ? { intVirtualLinkDesc: link } : {}), interfaces: [], members };
  });
}

/** The binding of one ext-cpd (e.g. `vnfd.mgmtCp`), or undefined when the VNFD has no such ext-cpd. */
export function extCpdBinding(vnfd: Vnfd, extCpdId: string): ExtCpdBinding | undefined {
  return extCpdBindings(vnfd).find((b) => b.extCpd === extCpdId);
}
