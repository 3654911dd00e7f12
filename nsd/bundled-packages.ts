/**
 * The example packages that ship with qnfv, in OSM folder layout: the QKD virtual router VNF
 * (`vnfd/packages/qnfv_router_vnf`) and the QKD-secured VPN NS (`nsd/packages/qnfv_qkd_vpn_ns`).
 * Resolved from the project root (vnfd/project-root.ts), so they are found both from the
 * TypeScript sources and from compiled `dist/` code (tsc does not copy YAML).
 */
import { join } from 'node:path';
import { bundledVnfPackagePath, projectRoot } from '../vnfd/index.js';

/** Folders of the bundled packages. */
export interface BundledPackagePaths {
  /** VNF package of the QKD virtual router (VNFD `qnfv-router-vnf`). */
  routerVnf: string;
  /** NS package of the QKD-secured VPN (NSD `qnfv-qkd-vpn-ns`). */
  qkdVpnNs: string;
}

/** Folders of the product's own example packages (onboard `routerVnf` first). */
export function bundledPackagePaths(): BundledPackagePaths {
  return { routerVnf: bundledVnfPackagePath(), qkdVpnNs: join(projectRoot(), 'nsd', 'packages', 'qnfv_qkd_vpn_ns') };
}
