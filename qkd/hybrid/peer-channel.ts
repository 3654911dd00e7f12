/**
 * The HM-to-HM channel (protocol v3), authenticated with ML-DSA-65 (FIPS 204,
 * liboqs; see signed-envelope.ts). Side A POSTs a signed batch of offers to
 * the peer HM's `POST /hybrid/v3/key-exchange`; side B verifies it against the
 * key pinned for its peer, handles each offer, and answers with a signed batch
 * of per-offer replies. Pipeline:
 *
 *  1. A: GET_KEYs waiting for the peer are grouped (`group-commit.ts`, at most
 *     64 per batch, 2 batches in flight): the signature cost is per batch.
 *  2. A: message = {type "qnfv-hm-offer", version 3, from, to, nonce, timestamp,
 *     offers: [{key_stream_id, index, source, destination, combiner,
 *     key_chunk_size, degraded_sources, sources: {QKD: {key_IDs}, ML-KEM-512:
 *     {encapsulation_key}, …}}]}, signed under the label "qnfv hm offer v3".
 *  3. B: signer = a pinned peer key? signature valid? `to` = this node? `from` =
 *     that peer's node? nonce new and timestamp within ±60 s? else HTTP 401, nothing kept.
 *  4. B: each offer is handled on its own (refusals per offer: 400/409/503).
 *  5. B: message = {type "qnfv-hm-answer", version 3, from, to, offer_digest =
 *     SHA-256 of the offer message bytes, timestamp, answers: [{status: 200,
 *     reply: {key_stream_id, index, sources: {ML-KEM-512: {ciphertext}, …}}} |
 *     {status, message}]}, signed under the label "qnfv hm answer v3".
 *  6. A: signer = pinned key? signature valid? offer_digest = ours? else the
 *     whole batch fails (PeerAuthError): a substituted ciphertext or key is
 *     never used.
 * Versions: B answers a POST to another version's path (`/hybrid/v2/…`: v2
 * signed with FIPS 204 context strings) with HTTP 410 naming the version it
 * speaks, and A reports a 404 from a peer without the v3 path as a peer that
 * does not speak v3, rather than as a signature failure.
 * Transport: plain HTTP with keep-alive (TLS is not needed for authenticity:
 * every byte that matters is signed; the channel carries no secrets).
 */
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConflictError, QnfvError, ValidationError, createLogger, type Logger } from '../../common/index.js';
import { closeHttp, listenHttp, readJsonBody, sendJson } from '../http-json.js';
import {
  ANSWER_BATCH_TYPE,
  ANSWER_SIGNATURE_LABEL,
  MAX_BATCHES_IN_FLIGHT,
  MAX_OFFERS_ACCEPTED_PER_BATCH,
  MAX_OFFERS_PER_BATCH,
  MAX_PEER_BODY_BYTES,
  MAX_REMEMBERED_NONCES,
  OFFER_BATCH_TYPE,
  OFFER_NONCE_BYTES,
  OFFER_SIGNATURE_LABEL,
  PEER_EXCHANGE_PATH,
  PEER_EXCHANGE_PATH_PATTERN,
  PEER_PROTOCOL_VERSION,
  PEER_TIMEOUT_MS,
  REPLAY_WINDOW_MS,
} from './constants.js';
import { GroupCommit, type Settled } from './group-commit.js';
import type { HmIdentity, PeerPin } from './hm-identity.js';
import type { PeerFields } from './key-source.js';
import { PeerAuthError, PeerBusyError, PeerExchangeError } from './peer-errors.js';
import { ReplayGuard } from './replay-guard.js';
import { sha256 } from './sha256.js';
import { openEnvelope, signEnvelope, type SignedEnvelope } from './signed-envelope.js';

/** What the receiving HM does with one verified offer from `from` (one of its peers): returns the reply fields. */
export type PeerOfferHandler<P extends AcceptedPeer = AcceptedPeer> = (offer: PeerFields, from: P) => Promise<PeerFields>;

/** One entry of an answer batch: `status` 200 with `reply`, or a refusal with `message`. */
export interface AnswerItem {
  status: number;
  reply?: PeerFields;
  message?: string;
}

/** Who this end is and whom it trusts (read at each use: the peer may be re-pinned). */
export interface PeerTrust {
  nodeUuid: string;
  identity: HmIdentity;
  /** The pinned peer key, undefined when none is pinned (then everything is refused). */
  pin(): PeerPin | undefined;
  /** The peer's node UUID when configured (then `from`/`to` are checked against it). */
  peerNodeUuid(): string | undefined;
}

/** A peer whose offers the receiving end accepts. */
export interface AcceptedPeer {
  /** Its pinned key (undefined: not pinned yet, so its offers are refused). */
  pin: PeerPin | undefined;
  /** Its node UUID when configured (then a batch's `from` must be it). */
  nodeUuid: string | undefined;
}

/** Who the receiving end is and whom it accepts (read at each batch: peers may be re-pinned). */
export interface PeerServerTrust<P extends AcceptedPeer = AcceptedPeer> {
  nodeUuid: string;
  identity: HmIdentity;
  peers(): readonly P[];
}

/** Options of the receiving end. */
export interface PeerServerOptions<P extends AcceptedPeer = AcceptedPeer> {
  host: string;
  port?: number;
  name: string;
  trust: PeerServerTrust<P>;
  handler: PeerOfferHandler<P>;
  replayWindowMs?: number;
}

/** The receiving end (side B's HM); `P` is how the HM knows its peers. */
export class PeerServer<P extends AcceptedPeer = AcceptedPeer> {
  private readonly server: Server;
  private readonly host: string;
  private readonly log: Logger;
  private readonly replay: ReplayGuard;
  private readonly opts: PeerServerOptions<P>;

  private constructor(opts: PeerServerOptions<P>) {
    this.opts = opts;
    this.host = opts.host;
    this.log = createLogger(`qkd.hm.${opts.name}.peer`);
    this.replay = new ReplayGuard(opts.replayWindowMs ?? REPLAY_WINDOW_MS, MAX_REMEMBERED_NONCES);
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://hm');
      if (url.pathname !== PEER_EXCHANGE_PATH) {
        const other = PEER_EXCHANGE_PATH_PATTERN.exec(url.pathname);
        if (!other) return sendJson(res, 404, { message: `no HM-to-HM method at ${url.pathname}` });
        // Another protocol version: say so, rather than fail its signature.
        const v = Number(other[1]);
        const upgrade = v < PEER_PROTOCOL_VERSION ? 'upgrade the sending HM' : 'upgrade this HM';
        this.log.warn('offer batch of another protocol version refused', { version: v });
        return sendJson(res, 410, { message: `HM-to-HM protocol v${v} is not spoken here: this HM speaks v${PEER_PROTOCOL_VERSION} (POST ${PEER_EXCHANGE_PATH}); ${upgrade}` });
      }
      if (req.method !== 'POST') return sendJson(res, 405, { message: 'use POST' });
      readJsonBody(req, MAX_PEER_BODY_BYTES)
        .then((body) => this.exchange(body))
        .then((answer) => sendJson(res, 200, answer))
        .catch((err: unknown) => {
          const status = httpStatusOf(err);
          const message = err instanceof QnfvError ? err.message : 'internal error';
          if (status === 401) this.log.warn('offer batch refused', { error: message });
          else if (status >= 500) this.log.error('offer batch failed', { error: err instanceof Error ? err.message : String(err) });
          sendJson(res, status, { message });
        });
    });
  }

  /** Listen on `host:port` (0 = ephemeral). */
  static async start<P extends AcceptedPeer>(opts: PeerServerOptions<P>): Promise<PeerServer<P>> {
    const s = new PeerServer<P>(opts);
    await listenHttp(s.server, opts.host, opts.port);
    return s;
  }

  /** The TCP port in use. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Base URL of this endpoint (without the pin). */
  get url(): string {
    return `http://${this.host}:${this.port}/`;
  }

  /** Stop listening and drop connections. */
  async stop(): Promise<void> {
    this.replay.close();
    await closeHttp(this.server);
  }

  /** Steps 3–5 of the pipeline. */
  private async exchange(envelope: unknown): Promise<SignedEnvelope> {
    const { trust } = this.opts;
    const peers = trust.peers();
    const { body, digest, signer } = openEnvelope(envelope, peers.flatMap((p) => (p.pin ? [p.pin] : [])), OFFER_SIGNATURE_LABEL, 'offer batch');
    const sender = peers.find((p) => p.pin?.fingerprint === signer.fingerprint)!;
    if (body.type !== OFFER_BATCH_TYPE || body.version !== PEER_PROTOCOL_VERSION) {
      throw new PeerAuthError(`signed message is not a version ${PEER_PROTOCOL_VERSION} offer batch`);
    }
    if (body.to !== null && body.to !== undefined && body.to !== trust.nodeUuid) throw new PeerAuthError(`offer batch is addressed to node ${String(body.to)}, not to this one`);
    if (sender.nodeUuid !== undefined && body.from !== sender.nodeUuid) {
      throw new PeerAuthError(`offer batch signed by the key of peer ${sender.nodeUuid} says it comes from node ${String(body.from)}`);
    }
    this.replay.check(body.nonce, body.timestamp);
    const offers = body.offers;
    if (!Array.isArray(offers) || offers.length === 0 || offers.length > MAX_OFFERS_ACCEPTED_PER_BATCH) {
      throw new ValidationError(`offers must be a list of 1..${MAX_OFFERS_ACCEPTED_PER_BATCH} offers`);
    }
    const answers = await Promise.all(
      offers.map((o: unknown): Promise<AnswerItem> => {
        if (typeof o !== 'object' || o === null || Array.isArray(o)) return Promise.resolve({ status: 400, message: 'offer must be a JSON object' });
        return this.opts.handler(o as PeerFields, sender).then(
          (reply) => ({ status: 200, reply }),
          (err: unknown) => ({ status: httpStatusOf(err), message: err instanceof QnfvError ? err.message : 'internal error' }),
        );
      }),
    );
    const message = JSON.stringify({
      type: ANSWER_BATCH_TYPE,
      version: PEER_PROTOCOL_VERSION,
      from: trust.nodeUuid,
      to: typeof body.from === 'string' ? body.from : null,
      offer_digest: Buffer.from(digest).toString('hex'),
      timestamp: Date.now(),
      answers,
    });
    return signEnvelope(message, trust.identity, ANSWER_SIGNATURE_LABEL);
  }
}

/** Options of the sending end. */
export interface PeerClientOptions {
  trust: PeerTrust;
  /** Base URL of the peer's endpoint, read at each batch (undefined: not set yet). */
  peerUrl(): string | undefined;
  timeoutMs?: number;
  maxOffersPerBatch?: number;
  maxBatchesInFlight?: number;
}

/** The sending end (side A's HM): signed offer batches, verified answers. */
export class PeerClient {
  private readonly opts: PeerClientOptions;
  private readonly batches: GroupCommit<PeerFields, PeerFields>;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private sent = 0;
  private offersSent = 0;

  constructor(opts: PeerClientOptions) {
    this.opts = opts;
    this.batches = new GroupCommit((offers) => this.exchange(offers), {
      maxBatch: opts.maxOffersPerBatch ?? MAX_OFFERS_PER_BATCH,
      maxInFlight: opts.maxBatchesInFlight ?? MAX_BATCHES_IN_FLIGHT,
    });
  }

  /** Offer one key to the peer; resolves with the peer's reply to it (signature checked). */
  send(offer: PeerFields): Promise<PeerFields> {
    return this.batches.submit(offer);
  }

  /** Batches and offers sent so far (the mean batch size is their ratio). */
  get stats(): { batches: number; offers: number } {
    return { batches: this.sent, offers: this.offersSent };
  }

  /** Close idle keep-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Steps 2 and 6 of the pipeline for one batch. */
  private async exchange(offers: PeerFields[]): Promise<Settled<PeerFields>[]> {
    const { trust } = this.opts;
    const url = this.opts.peerUrl();
    const fail = (error: Error): Settled<PeerFields>[] => offers.map(() => ({ ok: false, error }));
    if (!url) return fail(new PeerExchangeError(0, 'the peer module URL is not set'));
    const pin = trust.pin();
    if (!pin) return fail(new PeerAuthError('no verification key of the peer HM is pinned (peerVerificationKey, or #ml-dsa-65=<sha256> in the peer URL)'));
    const message = JSON.stringify({
      type: OFFER_BATCH_TYPE,
      version: PEER_PROTOCOL_VERSION,
      from: trust.nodeUuid,
      to: trust.peerNodeUuid() ?? null,
      nonce: randomBytes(OFFER_NONCE_BYTES).toString('hex'),
      timestamp: Date.now(),
      offers,
    });
    const envelope = signEnvelope(message, trust.identity, OFFER_SIGNATURE_LABEL);
    this.sent++;
    this.offersSent += offers.length;
    let reply: { status: number; body: unknown };
    try {
      reply = await this.post(url, envelope);
    } catch (err) {
      return fail(new PeerExchangeError(0, `peer HM unreachable at ${url}: ${(err as Error).message}`, { cause: err }));
    }
    if (reply.status !== 200) {
      const msg = (reply.body as { message?: unknown } | undefined)?.message;
      if (reply.status === 404) {
        // An HM without our version's endpoint (an older one answers 404 for /hybrid/v3/…).
        return fail(new PeerExchangeError(404, `peer HM does not speak HM-to-HM protocol v${PEER_PROTOCOL_VERSION} (HTTP 404 at ${PEER_EXCHANGE_PATH}: another version? upgrade it): ${typeof msg === 'string' ? msg : 'no message'}`));
      }
      const what = reply.status === 401 ? 'peer HM refused to authenticate the offer' : 'peer HM refused the offer';
      return fail(new PeerExchangeError(reply.status, `${what} (HTTP ${reply.status}): ${typeof msg === 'string' ? msg : 'no message'}`));
    }
    let answers: AnswerItem[];
    try {
      answers = this.checkAnswer(reply.body, pin, message, offers);
    } catch (err) {
      return fail(err as Error);
    }
    return answers.map((a): Settled<PeerFields> => {
      if (a.status === 200 && a.reply) return { ok: true, value: a.reply };
      return { ok: false, error: new PeerExchangeError(a.status, `peer HM refused the offer (${a.status}): ${a.message ?? 'no message'}`) };
    });
  }

  /** Verify the answer envelope and that it answers exactly our batch, offer by offer. */
  private checkAnswer(envelope: unknown, pin: PeerPin, offerMessage: string, offers: PeerFields[]): AnswerItem[] {
    const { body } = openEnvelope(envelope, pin, ANSWER_SIGNATURE_LABEL, 'peer HM answer');
    if (body.type !== ANSWER_BATCH_TYPE || body.version !== PEER_PROTOCOL_VERSION) throw new PeerAuthError(`peer HM answer is not a version ${PEER_PROTOCOL_VERSION} answer batch`);
    // The UTF-8 of the offer text, as the peer hashed it.
    const expected = Buffer.from(sha256(offerMessage)).toString('hex');
    if (body.offer_digest !== expected) throw new PeerAuthError('peer HM answer names another offer batch (offer_digest differs): replayed or substituted');
    if (body.to !== this.opts.trust.nodeUuid) throw new PeerAuthError(`peer HM answer is addressed to node ${String(body.to)}`);
    const answers = body.answers;
    if (!Array.isArray(answers) || answers.length !== offers.length) throw new PeerAuthError('peer HM answer does not answer every offer');
    return answers.map((a: unknown, i): AnswerItem => {
      const item = a as AnswerItem;
      if (typeof item !== 'object' || item === null || !Number.isInteger(item.status)) throw new PeerAuthError(`peer HM answer ${i} is malformed`);
      if (item.status === 200) {
        const r = item.reply;
        if (typeof r !== 'object' || r === null || r.key_stream_id !== offers[i].key_stream_id || r.index !== offers[i].index) {
          throw new PeerAuthError(`peer HM answer ${i} names another key stream or index`);
        }
      }
      return item;
    });
  }

  private post(url: string, body: SignedEnvelope): Promise<{ status: number; body: unknown }> {
    const target = new URL(PEER_EXCHANGE_PATH.replace(/^\//, ''), url.endsWith('/') ? url : `${url}/`);
    const payload = JSON.stringify(body);
    const lib = target.protocol === 'https:' ? https : http;
    const agent = target.protocol === 'https:' ? this.agents.https : this.agents.http;
    const timeoutMs = this.opts.timeoutMs ?? PEER_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        target,
        { method: 'POST', agent, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), accept: 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_PEER_BODY_BYTES) req.destroy(new Error(`reply exceeds ${MAX_PEER_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: text.trim() === '' ? undefined : (JSON.parse(text) as unknown) });
            } catch {
              reject(new Error(`HTTP ${res.statusCode} reply is not JSON`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** The HTTP status a receiving-end failure maps to. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof PeerAuthError) return 401;
  if (err instanceof ValidationError) return 400;
  if (err instanceof ConflictError) return 409;
  if (err instanceof PeerBusyError) return 503;
  return 500;
}
