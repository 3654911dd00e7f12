/**
 * The key-delivery logic of one ETSI GS QKD 014 v1.1.1 KME, apart from HTTP:
 * Get status (§5.2), Get key (§5.3, the master SAE's `enc_keys`) and Get key
 * with key IDs (§5.4, the slave SAE's `dec_keys`, whose path names the MASTER
 * SAE). Keys come from the node's per-link `KeyStore`; a key handed to master M
 * for slave S is bound to that pair, so only S can fetch it at the other KME,
 * once.
 *
 * Caveats: one key size only (`min_key_size = max_key_size = key_size`, the
 * link's); no key multicast (`max_SAE_ID_count` 0); no extensions (a non-empty
 * `extension_mandatory` is refused as §6.2 requires).
 */
import { ConflictError, NotFoundError, QnfvError, ValidationError, createLogger, zeroize } from '../../common/index.js';
import { KeyBoundElsewhereError, KeyStoreExhaustedError, type DeliveredKey, type KeyStore } from '../key-store.js';
import {
  DEFAULT_MAX_KEY_PER_REQUEST,
  HTTP_BAD_REQUEST,
  HTTP_SERVICE_UNAVAILABLE,
  HTTP_UNAUTHORIZED,
  MAX_SAE_ID_COUNT,
} from './constants.js';
import type { Etsi014KeyContainer, Etsi014KeyRequest, Etsi014Status } from './types.js';

/** A link this KME reaches: the peer KME, the SAEs behind it, and this node's store for the link. */
export interface KmeRoute {
  peerKmeId: string;
  peerSaeIds: readonly string[];
  store: KeyStore;
}

/** Options of a KME. */
export interface KmeOptions {
  kmeId: string;
  /** SAEs attached to this KME (the only callers it serves). */
  saeIds: readonly string[];
  routes: readonly KmeRoute[];
  maxKeyPerRequest?: number;
}

/** An error with the HTTP status GS QKD 014 prescribes for it (400, 401, 503). */
export class Etsi014HttpError extends QnfvError {
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string) {
    super('ETSI014', message);
    this.httpStatus = httpStatus;
  }
}

/** The binding a 014 delivery puts on a key: the (master, slave) SAE pair. */
export function saePairBinding(masterSaeId: string, slaveSaeId: string): string {
  return `etsi014:${masterSaeId}>${slaveSaeId}`;
}

/** Key delivery of one KME. */
export class Kme {
  readonly kmeId: string;
  readonly maxKeyPerRequest: number;
  private readonly saeIds: ReadonlySet<string>;
  private readonly routes: readonly KmeRoute[];
  private readonly log;

  constructor(opts: KmeOptions) {
    this.kmeId = opts.kmeId;
    this.saeIds = new Set(opts.saeIds);
    this.routes = opts.routes;
    this.maxKeyPerRequest = opts.maxKeyPerRequest ?? DEFAULT_MAX_KEY_PER_REQUEST;
    this.log = createLogger(`qkd.kme.${opts.kmeId}`);
  }

  /** §5.2 Get status: `caller` (the master SAE) asks about its link to `slaveSaeId`. */
  status(caller: string | undefined, slaveSaeId: string): Etsi014Status {
    const master = this.authorize(caller);
    const route = this.route(slaveSaeId, 'slave_SAE_ID');
    const size = route.store.keySizeBits;
    return {
      source_KME_ID: this.kmeId,
      target_KME_ID: route.peerKmeId,
      master_SAE_ID: master,
      slave_SAE_ID: slaveSaeId,
      key_size: size,
      stored_key_count: route.store.available,
      max_key_count: route.store.capacity,
      max_key_per_request: this.maxKeyPerRequest,
      max_key_size: size,
      min_key_size: size,
      max_SAE_ID_count: MAX_SAE_ID_COUNT,
    };
  }

  /** §5.3 Get key: `caller` (master) takes `number` fresh keys shared with `slaveSaeId`. */
  encKeys(caller: string | undefined, slaveSaeId: string, request: Etsi014KeyRequest): Etsi014KeyContainer {
    const master = this.authorize(caller);
    const route = this.route(slaveSaeId, 'slave_SAE_ID');
    const number = request.number ?? 1;
    const size = request.size ?? route.store.keySizeBits;
    if (!Number.isInteger(number) || number < 1 || number > this.maxKeyPerRequest) {
      throw new Etsi014HttpError(HTTP_BAD_REQUEST, `number must be an integer in 1..${this.maxKeyPerRequest}, got ${number}`);
    }
    if (!Number.isInteger(size) || size !== route.store.keySizeBits) {
      throw new Etsi014HttpError(
        HTTP_BAD_REQUEST,
        `size must be ${route.store.keySizeBits} bits (min_key_size = max_key_size = key_size), got ${size}`,
      );
    }
    if ((request.additional_slave_SAE_IDs?.length ?? 0) > MAX_SAE_ID_COUNT) {
      throw new Etsi014HttpError(HTTP_BAD_REQUEST, 'additional_slave_SAE_IDs is not supported (max_SAE_ID_count is 0)');
    }
    if ((request.extension_mandatory?.length ?? 0) > 0) {
      throw new Etsi014HttpError(HTTP_BAD_REQUEST, 'extension_mandatory is not supported by this KME');
    }
    let keys: DeliveredKey[];
    try {
      keys = route.store.takeNext(number, saePairBinding(master, slaveSaeId));
    } catch (err) {
      if (err instanceof KeyStoreExhaustedError) {
        throw new Etsi014HttpError(HTTP_SERVICE_UNAVAILABLE, `not enough keys: ${number} requested, ${route.store.available} stored`);
      }
      throw err;
    }
    this.log.info('enc_keys delivered', { master_SAE_ID: master, slave_SAE_ID: slaveSaeId, key_IDs: keys.map((k) => k.key_ID) });
    return toContainer(keys);
  }

  /** §5.4 Get key with key IDs: `caller` (slave) takes the keys `masterSaeId` obtained for it. */
  decKeys(caller: string | undefined, masterSaeId: string, keyIds: readonly string[]): Etsi014KeyContainer {
    const slave = this.authorize(caller);
    const route = this.route(masterSaeId, 'master_SAE_ID');
    if (keyIds.length === 0) throw new Etsi014HttpError(HTTP_BAD_REQUEST, 'key_IDs must name at least one key');
    if (keyIds.length > this.maxKeyPerRequest) {
      throw new Etsi014HttpError(HTTP_BAD_REQUEST, `at most ${this.maxKeyPerRequest} key_IDs per request`);
    }
    let keys: DeliveredKey[];
    try {
      keys = route.store.takeById(keyIds, saePairBinding(masterSaeId, slave), { requirePeerDelivery: true });
    } catch (err) {
      // A key addressed to another SAE pair: this caller is not authorised for it (§5.4: 401).
      if (err instanceof KeyBoundElsewhereError) throw new Etsi014HttpError(HTTP_UNAUTHORIZED, err.message);
      if (err instanceof NotFoundError || err instanceof ConflictError || err instanceof ValidationError) {
        throw new Etsi014HttpError(HTTP_BAD_REQUEST, err.message);
      }
      throw err;
    }
    this.log.info('dec_keys delivered', { master_SAE_ID: masterSaeId, slave_SAE_ID: slave, key_IDs: keys.map((k) => k.key_ID) });
    return toContainer(keys);
  }

  private authorize(caller: string | undefined): string {
    if (caller === undefined) {
      throw new Etsi014HttpError(HTTP_UNAUTHORIZED, 'the calling SAE could not be identified');
    }
    if (!this.saeIds.has(caller)) {
      throw new Etsi014HttpError(HTTP_UNAUTHORIZED, `SAE '${caller}' is not registered at KME '${this.kmeId}'`);
    }
    return caller;
  }

  private route(peerSaeId: string, field: string): KmeRoute {
    const route = this.routes.find((r) => r.peerSaeIds.includes(peerSaeId));
    if (!route) throw new Etsi014HttpError(HTTP_BAD_REQUEST, `${field} '${peerSaeId}' is not reachable from KME '${this.kmeId}'`);
    return route;
  }
}

/** Encode delivered keys as a §6.3 key container (base64) and zero the bytes. */
function toContainer(keys: DeliveredKey[]): Etsi014KeyContainer {
  try {
    return { keys: keys.map((k) => ({ key_ID: k.key_ID, key: Buffer.from(k.key).toString('base64') })) };
  } finally {
    zeroize(...keys.map((k) => k.key));
  }
}

