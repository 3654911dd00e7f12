/**
 * Descriptor model, NS side: ETSI GS NFV-SOL 006 NSDs as OSM writes them (parse, JSON Schema,
 * semantic checks, typed view), qnfv's `qnfv:security-profile` extension, the cross-check of an NSD
 * against onboarded VNFDs, package loading of either kind, the `qnfv package validate` report,
 * `qnfv package build`, and the product's bundled packages.
 *
 * Loading a package (the NFVO's entry point for uploads):
 * - `loadPackage(source: string | Uint8Array, options?: {kind?: 'vnf' | 'ns'; name?: string;
 *   limits?: Partial<PackageLimits>}): Promise<LoadedPackage>` reads an OSM package folder, an
 *   OSM `.tar.gz`, a SOL004 CSAR (`.zip`/`.csar`) or a single descriptor, from a path or from the
 *   bytes of an upload (`name`: the upload's file name, for messages). It never throws for bad
 *   content: `problems` lists every package and descriptor problem, and `descriptor` (a `Vnfd` when
 *   `kind` is 'vnf', an `Nsd` when 'ns') is set exactly when there are none. It also gives
 *   `descriptorText` (store it as is), `files`, `readFile(path)` for artifacts, `format`, `csar`.
 * - `validatePackageCli(path): Promise<{ok, lines}>`: the text of `qnfv package validate PATH`.
 * - `buildPackage(folder, {out?}): Promise<BuiltPackage>` validates an OSM package folder and
 *   writes it as `<folder-name>.tar.gz` with a fresh `checksums.txt` (refuses an invalid one:
 *   `ok` false, `problems`); `buildPackageCli` renders `qnfv package build FOLDER [--out FILE]`.
 *
 * Typed accessors (pure, on a validated `Nsd`):
 * - `nsVirtualLinks(nsd, dfId?)` → `NsVirtualLink[]`: every virtual link with its role (`mgmt`,
 *   `wan` = protected by a security profile, `lan` = site LAN), `vimNetworkName`, security profile,
 *   SAPs and connections (VNF profile, its VNFD, the ext-cpd, a fixed `ipAddress`), with
 *   `virtual-link-profile-id`s resolved through the df's virtual-link-profiles.
 * - `siteLans(nsd, dfId?)`: the `lan` links only.
 * - `securityProfiles(nsd)`: the `qnfv:security-profile`s with defaults applied.
 */
export type * from './nsd-model.js';
export { parseNsd, validateNsd, checkNsdText } from './nsd.js';
export { securityProfiles } from './security-profile.js';
export { nsVirtualLinks, siteLans, type NsVirtualLink, type NsLinkConnection, type NsLinkRole } from './ns-virtual-links.js';
export { checkNsdAgainstVnfds } from './vnfd-cross-check.js';
export { checkNsPackage, loadNsPackage, checkDescriptorPackage, loadDescriptorPackage, type DescriptorPackage } from './ns-package.js';
export { loadPackage, type LoadPackageOptions, type LoadedPackage } from './package-loader.js';
export { validatePackageCli } from './package-validate.js';
export { buildPackage, buildPackageCli, type BuildPackageOptions, type BuiltPackage } from './package-build.js';
export { bundledPackagePaths, type BundledPackagePaths } from './bundled-packages.js';
export * as constants from './constants.js';
