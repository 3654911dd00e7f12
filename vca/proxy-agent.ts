/**
 * The Proxy Agent of one domain (RFC 9061 IKE-less, as in the QUBIP pilot):
 *   1. obtains a tunnel's hybrid secret from the domain's Hybridization
 *      Module over ETSI GS QKD 004 — a new key stream when it is the first
 *      end, the peer's stream by its ids when it is the second — and returns
 *      the ids only (key stream id, index, QKD key ids);
 *   2. receives SAD/SPD entries from the controller as RFC 7951 JSON without
 *      keys, fills each SAD entry's keys (HKDF per direction and purpose,
 *      key-expansion.ts) and pushes them to the router as RFC 9061 XML in a
 *      NETCONF `<edit-config>`.
 * Key bytes live only here and in the router; zeroed when released.
 */
import { Etsi004Client } from '../qkd/index.js';
import { ipsecConfigFromJson, ikelessEditToXml } from '../common/ikeless/index.js';
import type { IkelessEdit } from '../common/ikeless/types.js';
import { ConflictError, NotFoundError, ProtocolError, QnfvError, ValidationError, createLogger, errorMessage, mapLimit, zeroize } from '../common/index.js';
import { deriveSaKeys } from './key-expansion.js';
import type { ApplyIpsecRequest, KeyIds, ObtainKeyOutcome, ObtainKeyRequest, ObtainKeysRequest } from './protocol.js';
import type { RouterSessions } from './router-sessions.js';

const log = createLogger('vca.proxy');

/** Where the domain's Hybridization Module serves ETSI 004. */
export interface HmEndpoint {
  host: string;
  port: number;
}

interface HeldKey {
  secret: Uint8Array;
  ids: KeyIds;
}

/** Idle ETSI 004 connections to the HM kept for the next keys. */
const MAX_IDLE_HM_CONNECTIONS = 16;

/**
 * Keys of one `obtainKeys` call obtained side by side, their requests pipelined on one 004
 * connection (the HM answers in order; requests issued together leave in one TCP write).
 */
const KEYS_AT_ONCE = 32;

/** Most keys in one `obtainKeys` call. */
export const MAX_KEYS_PER_CALL = 256;

export class ProxyAgent {
  private readonly keys = new Map<string, HeldKey>();
  /** Tunnels whose key is being obtained right now. */
  private readonly obtaining = new Set<string>();
  /** Open 004 connections to the HM between keys: a key costs no TCP set-up. */
  private readonly idle: Etsi004Client[] = [];

  constructor(
    private readonly hm: HmEndpoint,
    private readonly routers: RouterSessions,
  ) {}

  /** Obtain (first end) or fetch by ids (second end) the hybrid secret of a tunnel; returns its ids. */
  async obtainKey(req: ObtainKeyRequest): Promise<KeyIds> {
    const client = await this.connection();
    try {
      return await this.obtainKeyOn(client, req);
    } finally {
      this.putBack(client);
    }
  }

  /** `obtainKey` over `client`, which other keys may share (their requests are pipelined). */
  private async obtainKeyOn(client: Etsi004Client, req: ObtainKeyRequest): Promise<KeyIds> {
    const k = keyOf(req.instanceId, req.tunnelId);
    // Also refuse while another request for this tunnel is in flight: it would overwrite (and never zero) that secret.
    if (this.keys.has(k) || this.obtaining.has(k)) throw new ConflictError(`a key for tunnel ${req.tunnelId} is already held; release it first`);
    this.obtaining.add(k);
    let ksid: string | undefined;
    try {
      const qos = { key_chunk_size: req.keyChunkSize, metadata_mimetype: 'application/json' };
      const index = req.ids?.index ?? 0;
      const opening = client.openConnect(req.source, req.destination, qos, req.ids?.keyStreamId);
      // Second end: the stream id is known, so GET_KEY follows OPEN_CONNECT at once (the HM runs one
      // stream's requests in order). First end: the HM names the stream in its answer.
      const early = req.ids ? client.getKey(req.ids.keyStreamId, index, 4096) : undefined;
      // If the stream did not open, the early GET_KEY fails too: its error says nothing new.
      early?.catch(() => undefined);
      const opened = await opening;
      ksid = opened.key_stream_id;
      const got = await (early ?? client.getKey(ksid, index, 4096));
      let ids: KeyIds;
      try {
        ids = parseMetadata(got.metadata?.buffer, ksid, index);
        if (got.key.length !== req.keyChunkSize) {
          throw new ProtocolError(`Hybridization Module returned ${got.key.length} bytes for tunnel ${req.tunnelId}, expected ${req.keyChunkSize}`);
        }
        if (req.ids && ids.qkdKeyIds.join() !== req.ids.qkdKeyIds.join()) {
          throw new ProtocolError(`tunnel ${req.tunnelId}: the Hybridization Module used QKD keys ${ids.qkdKeyIds.join(',')} but the NFVO relayed ${req.ids.qkdKeyIds.join(',')}`);
        }
      } catch (err) {
        // Whatever was wrong with the answer, the key bytes must not linger.
        zeroize(got.key);
        throw err;
      }
      this.keys.set(k, { secret: got.key, ids });
      log.info('hybrid key obtained', { tunnel: req.tunnelId, keyStreamId: ksid, index, qkdKeyIds: ids.qkdKeyIds, combiner: ids.combiner, side: req.ids ? 'second' : 'first' });
      return ids;
    } finally {
      this.obtaining.delete(k);
      if (ksid) await client.close(ksid).catch(() => undefined);
    }
  }

  /** Close the idle connections to the HM. */
  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((c) => c.end().catch(() => undefined)));
  }

  /** An idle connection to the HM, else a new one. */
  private async connection(): Promise<Etsi004Client> {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (c.usable) return c;
    return Etsi004Client.connect({ host: this.hm.host, port: this.hm.port });
  }

  /** Keep a connection for the next key, unless it failed or enough are kept. */
  private putBack(client: Etsi004Client): void {
    if (client.usable && this.idle.length < MAX_IDLE_HM_CONNECTIONS) this.idle.push(client);
    else void client.end().catch(() => undefined);
  }

  /**
   * Obtain several tunnels' keys, `KEYS_AT_ONCE` at a time, their requests pipelined on one 004
   * connection; each item succeeds or fails on its own.
   */
  async obtainKeys(req: ObtainKeysRequest): Promise<ObtainKeyOutcome[]> {
    if (!Array.isArray(req.keys) || req.keys.length > MAX_KEYS_PER_CALL) throw new ValidationError(`obtainKeys: keys must be a list of at most ${MAX_KEYS_PER_CALL} key requests`);
    const outcome = (err: unknown): ObtainKeyOutcome => ({ error: { code: err instanceof QnfvError ? err.code : 'INTERNAL', message: errorMessage(err) } });
    let client: Etsi004Client;
    try {
      client = await this.connection();
    } catch (err) {
      return req.keys.map(() => outcome(err));
    }
    try {
      return await mapLimit(req.keys, KEYS_AT_ONCE, (k) => this.obtainKeyOn(client, { ...k, instanceId: req.instanceId }).then((ids): ObtainKeyOutcome => ({ ids }), outcome));
    } finally {
      this.putBack(client);
    }
  }

  /** Fill keys into the controller's SAD entries and push the edit to the router over NETCONF. */
  async applyIpsec(req: ApplyIpsecRequest): Promise<number> {
    // The request comes over JSON-RPC: refuse malformed lists with a message, not a TypeError.
    if (!Array.isArray(req.keyBindings)) throw new ValidationError('applyIpsec: keyBindings must be a list');
    for (const f of ['deleteSad', 'deleteSpd'] as const) {
      const v = req[f];
      if (v !== undefined && (!Array.isArray(v) || v.some((n) => typeof n !== 'string'))) throw new ValidationError(`applyIpsec: ${f} must be a list of entry names`);
    }
    const config = req.ikeless === null || req.ikeless === undefined ? { sad: [], spd: [] } : ipsecConfigFromJson(req.ikeless);
    const filled: Uint8Array[] = [];
    try {
      for (const sa of config.sad) {
        if (sa.espSa.encryption.key || sa.espSa.integrity.key) throw new ValidationError(`SAD entry ${sa.name} arrived with key material: the controller must never send keys`);
        const binding = req.keyBindings.find((b) => b.sadName === sa.name);
        if (!binding) throw new ValidationError(`no key binding for SAD entry ${sa.name}`);
        const held = this.keys.get(keyOf(req.instanceId, binding.tunnelId));
        if (!held) throw new NotFoundError('hybrid key of tunnel', binding.tunnelId);
        const keys = deriveSaKeys(held.secret, binding.direction, sa.espSa.encryption.algorithm, sa.espSa.integrity.algorithm, binding.keyLengthBits);
        sa.espSa.encryption.key = keys.encryptionKey;
        filled.push(keys.encryptionKey);
        if (keys.integrityKey) {
          sa.espSa.integrity.key = keys.integrityKey;
          filled.push(keys.integrityKey);
        }
      }
      const edit: IkelessEdit = { sad: config.sad, spd: config.spd, deleteSad: req.deleteSad ?? [], deleteSpd: req.deleteSpd ?? [] };
      if (req.deleteOperation === 'remove') {
        // RFC 6241 §7.2 `remove`: fine when the entry is already gone (an SA that hard-expired).
        edit.operations = { sad: new Map(edit.deleteSad.map((n) => [n, 'remove'])), spd: new Map(edit.deleteSpd.map((n) => [n, 'remove'])) };
      } else if (req.deleteOperation !== undefined && req.deleteOperation !== 'delete') {
        throw new ValidationError(`deleteOperation must be 'delete' or 'remove', got '${String(req.deleteOperation)}'`);
      }
      // The element tree goes out as it is serialised (no text to parse back).
      const xml = ikelessEditToXml(edit, { withKeys: true });
      await this.routers.get(req.instanceId, req.vnfId).editConfig('running', [xml]);
      log.info('SAD/SPD pushed to router', { vnfId: req.vnfId, sad: config.sad.map((s) => s.name), spd: config.spd.map((s) => s.name), deleteSad: edit.deleteSad.length, deleteSpd: edit.deleteSpd.length });
      return config.sad.length + config.spd.length + edit.deleteSad.length + edit.deleteSpd.length;
    } finally {
      zeroize(...filled);
    }
  }

  /** Zero and forget a tunnel's secret. */
  releaseKey(instanceId: string, tunnelId: string): boolean {
    const held = this.keys.get(keyOf(instanceId, tunnelId));
    if (!held) return false;
    zeroize(held.secret);
    this.keys.delete(keyOf(instanceId, tunnelId));
    return true;
  }

  /** Zero and forget several tunnels' secrets; how many were held. */
  releaseKeys(instanceId: string, tunnelIds: string[]): number {
    if (!Array.isArray(tunnelIds)) throw new ValidationError('releaseKeys: tunnelIds must be a list');
    return tunnelIds.filter((t) => this.releaseKey(instanceId, t)).length;
  }

  /** Zero every secret of an instance. */
  releaseInstance(instanceId: string): void {
    for (const k of [...this.keys.keys()]) {
      if (k.startsWith(`${instanceId}/`)) this.releaseKey(instanceId, k.slice(instanceId.length + 1));
    }
  }
}

function keyOf(instanceId: string, tunnelId: string): string {
  return `${instanceId}/${tunnelId}`;
}

/** The ids the Hybridization Module reports in the GET_KEY metadata (never key bytes). */
function parseMetadata(buffer: string | undefined, ksid: string, index: number): KeyIds {
  if (!buffer) throw new ProtocolError('Hybridization Module sent no metadata with the key: cannot report key ids');
  let m: { key_stream_id?: string; index?: number; qkd_key_ids?: string[]; kem?: string | null; combiner?: string; degraded?: boolean };
  try {
    m = JSON.parse(buffer) as typeof m;
  } catch {
    throw new ProtocolError('Hybridization Module metadata is not JSON');
  }
  if (m.key_stream_id !== ksid || m.index !== index) throw new ProtocolError(`Hybridization Module metadata names stream ${m.key_stream_id}#${m.index}, expected ${ksid}#${index}`);
  return { keyStreamId: ksid, index, qkdKeyIds: m.qkd_key_ids ?? [], kem: m.kem ?? null, combiner: m.combiner ?? 'unknown', degraded: m.degraded === true };
}
