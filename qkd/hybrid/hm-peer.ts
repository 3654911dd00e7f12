/**
 * One peer of a Hybridization Module: the other domain's HM, as this one
 * knows it — its node UUID (the `@<node-uuid>` of the hybrid URIs that name
 * it), its SAE id at its QKD node (whom this HM's KME shares QKD keys with),
 * its HM-to-HM URL, the ML-DSA-65 key pinned for it, the signed channel to it
 * (`PeerClient`) and the QKD key source towards it. An HM has one peer per
 * domain it makes tunnels with: a ten-site mesh gives each HM nine.
 */
import { ValidationError } from '../../common/index.js';
import { isUuid } from '../etsi004/index.js';
import { parsePeerUrl, pinOfKey, type HmIdentity, type PeerPin } from './hm-identity.js';
import type { KeySource } from './key-source.js';
import { PeerClient, type AcceptedPeer } from './peer-channel.js';

/** How an HM is told about one peer. */
export interface HmPeerConfig {
  /** The peer module's node UUID. Required when an HM has several peers. */
  nodeUuid?: string;
  /** The peer module's SAE id at its QKD node. */
  saeId: string;
  /** The peer module's HM-to-HM URL, usually its `peerEndpointUrl` (may be set later: `setPeerUrl`). */
  url?: string;
  /**
   * The peer module's ML-DSA-65 verification key (1952 bytes). Without it the peer is pinned
   * by the `#ml-dsa-65=<sha256>` fragment of its URL; with neither, its exchanges are refused.
   */
  verificationKey?: Uint8Array;
}

/** What a peer needs from its module. */
export interface HmPeerContext {
  nodeUuid: string;
  identity: HmIdentity;
  maxOffersPerBatch?: number;
  maxBatchesInFlight?: number;
  /** The QKD key source towards a peer with this SAE id (undefined when the module's sources are replaced). */
  qkdSource(peerSaeId: string): KeySource | undefined;
}

/** A configured peer. */
export class HmPeer implements AcceptedPeer {
  readonly nodeUuid: string | undefined;
  readonly saeId: string;
  readonly client: PeerClient;
  /** The QKD source towards this peer (its own SAE pair at the KME). */
  readonly qkd: KeySource | undefined;
  private readonly keyPin: PeerPin | undefined;
  private peerUrl: string | undefined;
  private urlPin: string | undefined;

  constructor(config: HmPeerConfig, ctx: HmPeerContext, where: string) {
    if (config.nodeUuid !== undefined && !isUuid(config.nodeUuid)) throw new ValidationError(`${where}.nodeUuid must be a UUID, got '${config.nodeUuid}'`);
    if (config.nodeUuid?.toLowerCase() === ctx.nodeUuid) throw new ValidationError(`${where}.nodeUuid is this module's own node`);
    if (typeof config.saeId !== 'string' || config.saeId === '') throw new ValidationError(`${where}.saeId must be a non-empty string`);
    this.nodeUuid = config.nodeUuid?.toLowerCase();
    this.saeId = config.saeId;
    this.keyPin = config.verificationKey ? pinOfKey(config.verificationKey) : undefined;
    if (config.url) this.setUrl(config.url);
    this.qkd = ctx.qkdSource(config.saeId);
    this.client = new PeerClient({
      trust: { nodeUuid: ctx.nodeUuid, identity: ctx.identity, pin: () => this.pin, peerNodeUuid: () => this.nodeUuid },
      peerUrl: () => this.peerUrl,
      maxOffersPerBatch: ctx.maxOffersPerBatch,
      maxBatchesInFlight: ctx.maxBatchesInFlight,
    });
  }

  /** Where the peer's HM-to-HM endpoint is, undefined until set. */
  get url(): string | undefined {
    return this.peerUrl;
  }

  /** The pinned key: the configured key, else the fingerprint in the peer URL. */
  get pin(): PeerPin | undefined {
    if (this.keyPin) return this.keyPin;
    return this.urlPin ? { fingerprint: this.urlPin } : undefined;
  }

  /** Set (or change) the peer's HM-to-HM URL; a `#ml-dsa-65=<sha256>` fragment pins its key. */
  setUrl(url: string): void {
    const parsed = parsePeerUrl(url);
    if (parsed.fingerprint && this.keyPin && parsed.fingerprint !== this.keyPin.fingerprint) {
      throw new ValidationError(`peer URL pins key ${parsed.fingerprint.slice(0, 16)}…, but the configured verification key is ${this.keyPin.fingerprint.slice(0, 16)}…`);
    }
    this.peerUrl = parsed.url;
    this.urlPin = parsed.fingerprint;
  }

  /** Who the peer is, in messages. */
  describe(): string {
    return this.nodeUuid ?? `the peer (SAE ${this.saeId})`;
  }

  /** Close the channel's idle connections and the QKD source. */
  close(): void {
    this.client.close();
    this.qkd?.close();
  }
}
