/**
 * One QKD node (ARCHITECTURE.md §5): its KME serving ETSI GS QKD 014 v1.1.1 to
 * the SAEs attached to it, over this node's key stores (one per link), and,
 * when asked, ETSI GS QKD 004 v2.1.1 key streams over the same stores
 * (`kme-004.ts`; JSON over TCP, no TLS). The Hybridization Module uses 014.
 *
 * Transport: HTTPS with client certificates when given a PKI (`tls`, made by
 * `createEtsi014Pki`), the SAE identified by its certificate; otherwise plain
 * HTTP with the unauthenticated `X-SAE-ID` header (loopback tests only).
 */
import { Etsi014KmeServer, etsi014ServerTls, type Etsi014Pki, type KmeRoute, type SaeIdentityResolver } from './etsi014/index.js';
import { Etsi004Server } from './etsi004/server.js';
import { Kme004Service, kme004Handler, type KeyStreamTable } from './kme-004.js';
import { ValidationError } from '../common/index.js';

/** What a node needs to know about itself. */
export interface QkdNodeConfig {
  /** KME id reported as `source_KME_ID` / `target_KME_ID`. */
  kmeId: string;
  /** SAEs attached to this node (its only callers). */
  saeIds: readonly string[];
  /** ETSI 014 port; 0 (default) = ephemeral. */
  port?: number;
}

/** Options of `QkdNode.start`. */
export interface QkdNodeOptions extends QkdNodeConfig {
  /** The links this node ends: peer KME, SAEs behind it, and this node's store for the link. */
  routes: readonly KmeRoute[];
  host?: string;
  /** Serve HTTPS with this node's server certificate from the PKI (its `kmes[kmeId]`). */
  tls?: Etsi014Pki;
  saeIdentity?: SaeIdentityResolver;
  maxKeyPerRequest?: number;
  /** Serve ETSI 004 too: one key stream table per route (shared with the peer node), port 0 = ephemeral. */
  etsi004?: { tables: readonly KeyStreamTable[]; port?: number };
}

/** A running QKD node. */
export class QkdNode {
  readonly kmeId: string;
  readonly saeIds: readonly string[];
  readonly routes: readonly KmeRoute[];
  private readonly kme014: Etsi014KmeServer;
  private readonly kme004: Etsi004Server | undefined;

  private constructor(opts: QkdNodeOptions, kme014: Etsi014KmeServer, kme004: Etsi004Server | undefined) {
    this.kmeId = opts.kmeId;
    this.saeIds = [...opts.saeIds];
    this.routes = opts.routes;
    this.kme014 = kme014;
    this.kme004 = kme004;
  }

  /** Start the node's KME. */
  static async start(opts: QkdNodeOptions): Promise<QkdNode> {
    const kme014 = await Etsi014KmeServer.start({
      kmeId: opts.kmeId,
      saeIds: opts.saeIds,
      routes: opts.routes,
      host: opts.host,
      port: opts.port,
      saeIdentity: opts.saeIdentity,
      maxKeyPerRequest: opts.maxKeyPerRequest,
      tls: opts.tls ? etsi014ServerTls(opts.tls, opts.kmeId) : undefined,
    });
    let kme004: Etsi004Server | undefined;
    if (opts.etsi004) {
      const { tables, port } = opts.etsi004;
      try {
        const links = opts.routes.map((r, i) => {
          const table = tables[i];
          // A table of its own would let this node open streams its peer can never join.
          if (!table) throw new ValidationError(`etsi004.tables needs one key-stream table per route, shared with the peer node (route ${i} to ${r.peerKmeId} has none)`);
          const service = new Kme004Service({ kmeId: opts.kmeId, saeIds: opts.saeIds, peerKmeId: r.peerKmeId, peerSaeIds: r.peerSaeIds, store: r.store, table });
          return { service, table, peerSaeIds: r.peerSaeIds };
        });
        kme004 = await Etsi004Server.start({ handler: kme004Handler(links), host: opts.host, port, name: `kme.${opts.kmeId}` });
      } catch (err) {
        await kme014.stop();
        throw err;
      }
    }
    return new QkdNode(opts, kme014, kme004);
  }

  /** TCP port of the node's ETSI 004 service, when it serves one. */
  get kme004Port(): number | undefined {
    return this.kme004?.port;
  }

  /** Base URL of the node's ETSI 014 API (`https://127.0.0.1:<port>` with TLS, else `http://…`). */
  get kme014Url(): string {
    return this.kme014.url;
  }

  /** Stop serving (the stores are owned and cleared by the link). */
  async stop(): Promise<void> {
    await this.kme004?.stop();
    await this.kme014.stop();
  }
}
