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

/** SOL004 §4.1.2 (TOSCA CSAR): the metadata file of a CSAR with a TOSCA-Metadata directory. */
export const TOSCA_META_FILE = 'TOSCA-Metadata/TOSCA.meta';
/** TOSCA.meta block_0 keys every CSAR must have (TOSCA-Metadata of the TOSCA CSAR format, SOL004 §4.1.2), plus the SOL004 manifest. */
export const TOSCA_META_REQUIRED_KEYS = ['TOSCA-Meta-File-Version', 'CSAR-Version', 'Created-By', 'Entry-Definitions', 'ETSI-Entry-Manifest'] as const;
/** SOL004 §4.1.2 optional TOSCA.meta keys naming a file or folder of the package. */
export const TOSCA_META_ENTRY_KEYS = ['ETSI-Entry-Change-Log', 'ETSI-Entry-Licenses', 'ETSI-Entry-Certificate', 'ETSI-Entry-Tests'] as const;
/** SOL004 §4.3.2 manifest metadata of a VNF package. */
export const VNF_MANIFEST_KEYS = ['vnf_provider_id', 'vnf_product_name', 'vnf_release_date_time', 'vnf_package_version'] as const;
/** SOL007 §4.3.2 manifest metadata of an NSD file archive. */
export const NS_MANIFEST_KEYS = ['nsd_designer', 'nsd_invariant_id', 'nsd_name', 'nsd_release_date_time', 'nsd_file_structure_version'] as const;
/** Manifest `Algorithm:` values qnfv verifies (SOL004 names SHA-256 and SHA-512; SHA-384 as Tacker also does), with the node:crypto name and hex length. */
export const MANIFEST_ALGORITHMS: Readonly<Record<string, { hash: string; hexLength: number }>> = {
  'SHA-256': { hash: 'sha256', hexLength: 64 },
  'SHA-384': { hash: 'sha384', hexLength: 96 },
  'SHA-512': { hash: 'sha512', hexLength: 128 },
};
/** SOL001 TOSCA YAML: the key that marks a TOSCA service template (not a SOL006 descriptor). */
export const TOSCA_DEFINITIONS_KEY = 'tosca_definitions_version';

/** OSM IM `parameter-data-type` (osm-common-types): what a primitive parameter's `data-type` may be. */
export const PARAMETER_DATA_TYPES = ['STRING', 'INTEGER', 'BOOLEAN'] as const;
/** OSM IM `scaling-trigger`: when a scaling-config-action runs. */
export const SCALING_TRIGGERS = ['pre-scale-in', 'post-scale-in', 'pre-scale-out', 'post-scale-out'] as const;
/**
 * Values OSM's LCM substitutes into a primitive parameter written `<name>` without the operator
 * giving them (`osm_lcm/ns.py` `_map_primitive_params`): the VNF/VDU management address, the
 * NS config info, the scale info of a VDU being scaled.
 */
export const BUILTIN_SUBSTITUTIONS = ['rw_mgmt_ip', 'ns_config_info', 'VDU_SCALE_INFO'] as const;

// ---- Tunables -------------------------------------------------------------------------------

/** A package walk stops after this many entries (a guard against a runaway folder). */
export const MAX_PACKAGE_ENTRIES = 20000;
/** Default size limits for package archives (override per call: `limits` of readPackage/loadPackage). */
export const DEFAULT_PACKAGE_LIMITS = {
  /** Bytes of the archive file or upload itself. */
  maxArchiveBytes: 64 * 1024 * 1024,
  /** Bytes once unpacked (a tar.gz counts the whole tar stream; a zip the sum of its entries). */
  maxUnpackedBytes: 256 * 1024 * 1024,
  /** Entries (files, folders, links) in an archive or folder. */
  maxEntries: MAX_PACKAGE_ENTRIES,
  /** Largest unpacked/packed ratio of a tar.gz, or of one zip entry, once it unpacks to more than `ratioFloorBytes`. */
  maxCompressionRatio: 100,
  /** Below this unpacked size the compression ratio is not checked (small files of zeros are fine). */
  ratioFloorBytes: 1024 * 1024,
} as const;
/** Longest chain of symbolic links followed inside a package. */
export const MAX_LINK_HOPS = 16;
/** Missing listed files under one absent folder are reported as one problem above this count. */
export const MISSING_FILES_GROUP_THRESHOLD = 3;
