/**
 * Descriptor model, NS side: ETSI GS NFV-SOL 006 NSDs as OSM writes them (parse, JSON Schema,
 * semantic checks, typed view), qnfv's `qnfv:security-profile` extension, the cross-check of an NSD
 * against onboarded VNFDs, package loading (NS packages, or either kind), and the product's
 * bundled packages.
 */
export type * from './nsd-model.js';
export { parseNsd, validateNsd, checkNsdText } from './nsd.js';
export { securityProfiles } from './security-profile.js';
export { checkNsdAgainstVnfds } from './vnfd-cross-check.js';
export { checkNsPackage, loadNsPackage, checkDescriptorPackage, loadDescriptorPackage, type DescriptorPackage } from './ns-package.js';
export { bundledPackagePaths, type BundledPackagePaths } from './bundled-packages.js';
export * as constants from './constants.js';
