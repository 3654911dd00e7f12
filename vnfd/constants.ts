/**
 * Constants of the descriptor model and the OSM package layout.
 * Spec constants come from ETSI GS NFV-SOL 006 (YANG `etsi-nfv-vnfd`, `etsi-nfv-nsd`) and from
 * the OSM NBI's onboarding rules (`osm_nbi/descriptor_topics.py`, see design/MANO-NOTES.md §1.3,
 * §1.4); tunables are qnfv's own.
 */

// ---- Spec constants -------------------------------------------------------------------------

/** Top-level keys of a SOL006 VNFD as OSM writes it (plain, or RFC 7951 module-qualified). */
export const VNFD_ROOT_KEYS = ['vnfd', 'etsi-nfv-vnfd:vnfd'] as const;
/** Top-level keys of a SOL006 NSD (`nsd: {nsd: [...]}`). */
export const NSD_ROOT_KEYS = ['nsd', 'etsi-nfv-nsd:nsd'] as const;
/** Pre-SOL006 OSM IM (Release 8 and earlier) top-level keys; OSM's NBI checks exactly these. */
export const PRE_SOL006_VNFD_KEYS = ['vnfd-catalog', 'vnfd:vnfd-catalog'] as const;
export const PRE_SOL006_NSD_KEYS = ['nsd-catalog', 'nsd:nsd-catalog'] as const;
/** OSM NBI's message for a pre-SOL006 descriptor (HTTP 422). */
export const OSM_UNSUPPORTED_FORMAT = 'ERROR: Unsupported descriptor format. Please, use an ETSI SOL006 descriptor.';

/** SOL006 `uint16` (vdu-profile instance counts). */
export const UINT16_MAX = 65535;

/** Descriptor file extensions the OSM NBI accepts at the top of a package. */
export const DESCRIPTOR_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;
/** OSM package checksum list: `md5<TAB>path` per line, paths starting with the package folder. */
export const CHECKSUMS_FILE = 'checksums.txt';
/** Where OSM looks for a VDU's `cloud-init-file` (OSM folder layout, then SOL004 layout). */
export const CLOUD_INIT_DIRS = ['cloud_init', 'Scripts/cloud_init'] as const;
/** Where OSM looks for juju charms. */
export const CHARM_DIRS = ['charms', 'Scripts/charms'] as const;

// ---- Tunables -------------------------------------------------------------------------------

/** A package walk stops after this many entries (a guard against a runaway folder). */
export const MAX_PACKAGE_ENTRIES = 20000;
/** Missing listed files under one absent folder are reported as one problem above this count. */
export const MISSING_FILES_GROUP_THRESHOLD = 3;
