/**
 * RFC 9061 `ietf-i2nsf-ikeless` (revision 2021-07-14) as TypeScript types: the
 * SAD and SPD of one IPsec device (the IKE-less case) and its notifications.
 * Names follow the YANG leaves, camel-cased. Algorithm numbers are IANA IKEv2
 * Transform Type 1 (encryption) and Type 3 (integrity) ids, as RFC 9061 uses.
 * Key leaves (`nacm:default-deny-all`) are `Uint8Array`s: absent when the
 * controller sends an entry to the Proxy Agent, present from there on.
 * Direction convention (as Linux XFRM and the CCIPS controller use it): in a
 * SAD entry, `tunnel.local`/`tunnel.remote` are the SA's source and
 * destination gateways and the traffic selector's local/remote prefixes are
 * the protected flow's source and destination — the same entry is installed
 * at both ends, and a device treats an SA whose `tunnel.remote` is one of its
 * own addresses as inbound. SPD entries carry an explicit `direction` and use
 * the same source/destination reading of local/remote.
 * Caveats: only ESP, and only the leaves qnfv uses.
 */

/** IANA IKEv2 Transform Type 1 ids used here (RFC 9061 `encryption-algorithm`). */
export const ENCR = {
  AES_CBC: 12,
  AES_GCM_16: 20,
} as const;

/** IANA IKEv2 Transform Type 3 ids used here (RFC 9061 `integrity-algorithm`). */
export const AUTH = {
  NONE: 0,
  HMAC_SHA2_256_128: 12,
} as const;

export type Direction = 'inbound' | 'outbound';
export type IpsecMode = 'tunnel' | 'transport';
export type SpdAction = 'protect' | 'bypass' | 'discard';
export type SoftLifetimeAction = 'terminate-clear' | 'terminate-hold' | 'replace';
export type DfBit = 'clear' | 'set' | 'copy';

/** `ipsec-ikec:port-range`. */
export interface PortRange {
  start: number;
  end: number;
}

/** `traffic-selector` grouping (prefixes as `a.b.c.d/len`; 256 / 'any' = any protocol). */
export interface TrafficSelector {
  localPrefix: string;
  remotePrefix: string;
  innerProtocol: number | 'any';
  localPorts?: PortRange[];
  remotePorts?: PortRange[];
}

/** `tunnel-grouping/dscp-mapping` list entry (RFC 9061 `ietf-i2nsf-ikec`; only when `bypassDscp` is false). */
export interface DscpMapping {
  id: number;
  innerDscp?: number;
  /** YANG default 0. */
  outerDscp?: number;
}

/** `tunnel` container (tunnel mode only). Absent optional leaves take their YANG defaults (df-bit clear, bypass-dscp true). */
export interface TunnelEndpoints {
  local: string;
  remote: string;
  dfBit?: DfBit;
  bypassDscp?: boolean;
  dscpMapping?: DscpMapping[];
}

/** The SAD entry's `tunnel` container: the grouping plus the SAD-only `dscp-values` leaf-list. */
export interface SadTunnel extends TunnelEndpoints {
  dscpValues?: number[];
}

/** `ipsec-ikec:esp-encap` (NAT traversal encapsulation, RFC 3948 / RFC 8229). */
export type EspEncap = 'espintcp' | 'espinudp' | 'none';

/** `sad-entry/ipsec-sa-config/encapsulation-type` (YANG defaults: none, 4500, 4500). */
export interface EncapsulationType {
  espencap?: EspEncap;
  sport?: number;
  dport?: number;
  oaddr?: string[];
}

/** `lifetime` grouping; 0 means no limit (RFC 9061 §5.1). `bytes` is uint64 (bigint); time, packets and idle are uint32. */
export interface Lifetime {
  time?: number;
  bytes?: bigint;
  packets?: number;
  idle?: number;
}

export interface SoftLifetime extends Lifetime {
  action?: SoftLifetimeAction;
}

/** `sad-entry/ipsec-sa-config/esp-sa`. */
export interface EspSa {
  encryption: {
    algorithm: number;
    /** AES-GCM: key ‖ 4-byte salt (RFC 4106, 20/36 bytes). AES-CBC: the AES key. */
    key?: Uint8Array;
    iv?: Uint8Array;
  };
  integrity: {
    algorithm: number;
    key?: Uint8Array;
  };
}

/** One `sad/sad-entry` (configuration part). */
export interface SadEntry {
  name: string;
  /** uint64 in YANG; kept as bigint so nothing is lost. */
  reqid: bigint;
  spi: number;
  extSeqNum: boolean;
  seqOverflow: boolean;
  antiReplayWindowSize: number;
  trafficSelector: TrafficSelector;
  protocolParameters: 'esp';
  mode: IpsecMode;
  espSa: EspSa;
  lifetimeHard?: Lifetime;
  lifetimeSoft?: SoftLifetime;
  tunnel?: SadTunnel;
  encapsulationType?: EncapsulationType;
}

/**
 * `ipsec-sa-state` of a SAD entry (config false). `t`, `b`, `packetDropped`
 * and `failed` are uint64/counter64 in YANG but numbers here: the codec
 * rejects values above 2^53 - 1 instead of rounding them.
 */
export interface SadEntryState {
  name: string;
  lifetimeCurrent: { time: number; bytes: bigint; packets: number; idle: number };
  replayStats: {
    replayWindow: { w: number; t: number; b: number };
    packetDropped: number;
    failed: number;
    seqNumberCounter: bigint;
  };
}

/** `esp-algorithms/encryption` list entry of an SPD entry. */
export interface SpdEncryption {
  id: number;
  algorithmType: number;
  keyLength: number;
}

/** One `spd/spd-entry`. */
export interface SpdEntry {
  name: string;
  direction: Direction;
  reqid: bigint;
  antiReplayWindowSize: number;
  trafficSelector: TrafficSelector;
  action: SpdAction;
  /** Present when action is `protect`. */
  saCfg?: {
    pfpFlag: boolean;
    extSeqNum: boolean;
    seqOverflow: boolean;
    statefulFragCheck: boolean;
    mode: IpsecMode;
    protocolParameters: 'esp';
    integrity: number[];
    encryption: SpdEncryption[];
    tfcPad: boolean;
    tunnel?: TunnelEndpoints;
  };
}

/** The `ipsec-ikeless` container: what a device's running configuration holds. */
export interface IkelessConfig {
  spd: SpdEntry[];
  sad: SadEntry[];
}

/** What an edit asks for, entry by entry (NETCONF `operation` attribute, RFC 6241 §7.2). */
export type EditOperation = 'merge' | 'create' | 'replace' | 'delete' | 'remove';

/** An edit of the SAD/SPD: the entries to add or change, and the names to delete. */
export interface IkelessEdit {
  /** Entries to create or replace (operation merge/create/replace). */
  spd: SpdEntry[];
  sad: SadEntry[];
  /** Entries to delete by name (operation delete/remove). */
  deleteSpd: string[];
  deleteSad: string[];
  /**
   * The operation each listed entry carries, by entry name, when it is not the
   * plain one (merge for `spd`/`sad`, delete for `deleteSpd`/`deleteSad`). The
   * XML decoder fills it for every entry, so a server can answer `create` of an
   * existing entry with data-exists and `delete` of a missing one with
   * data-missing, and tell `remove` apart.
   */
  operations?: { spd: Map<string, EditOperation>; sad: Map<string, EditOperation> };
  /**
   * The whole table is replaced (operation `replace`, `delete` or `remove` on
   * the `spd`/`sad` container or above, or default-operation replace): after
   * the edit the table holds exactly the entries in `spd`/`sad`.
   */
  replaceSpd?: boolean;
  replaceSad?: boolean;
}

/** `sadb-expire` notification. */
export interface SadbExpire {
  type: 'sadb-expire';
  ipsecSaName: string;
  softLifetimeExpire: boolean;
  lifetimeCurrent?: SadEntryState['lifetimeCurrent'];
}

/** `sadb-acquire` notification. */
export interface SadbAcquire {
  type: 'sadb-acquire';
  ipsecPolicyName: string;
  trafficSelector: TrafficSelector;
}

/** `sadb-seq-overflow` notification. */
export interface SadbSeqOverflow {
  type: 'sadb-seq-overflow';
  ipsecSaName: string;
}

/** `sadb-bad-spi` notification. */
export interface SadbBadSpi {
  type: 'sadb-bad-spi';
  spi: number;
}

export type IkelessNotification = SadbExpire | SadbAcquire | SadbSeqOverflow | SadbBadSpi;

/** XML namespace and RFC 7951 module name. */
export const IKELESS_NS = 'urn:ietf:params:xml:ns:yang:ietf-i2nsf-ikeless';
export const IKELESS_MODULE = 'ietf-i2nsf-ikeless';
