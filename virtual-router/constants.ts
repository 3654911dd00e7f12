/** Virtual router constants: spec values (cited) apart from tunables. */

// --- Spec constants ---
/** NETCONF over SSH port (RFC 6242 §3). */
export const NETCONF_PORT = 830;
/** Capability of the RFC 9061 IKE-less module with its notification feature (RFC 6020 §5.6.4 URI form). */
export const IKELESS_CAPABILITY =
  'urn:ietf:params:xml:ns:yang:ietf-i2nsf-ikeless?module=ietf-i2nsf-ikeless&revision=2021-07-14&features=ikeless-notification';

// --- Tunables ---
/** Default TUN name and inner MTU (outer ESP adds up to ~60 bytes over a 1500-byte WAN). */
export const DEFAULT_TUN_NAME = 'tun0';
export const DEFAULT_TUN_MTU = 1400;
