/**
 * Errors of the HM-to-HM channel and the HTTP status each maps to at the
 * receiving end: `PeerAuthError` 401 (unpinned signer, bad signature, replay,
 * wrong addressee), `PeerBusyError` 503 (cannot hold more offers or nonces);
 * `PeerExchangeError` is what the sending end sees when the peer refused or
 * could not be reached. None of them carries key bytes.
 */
import { ProtocolError, QnfvError } from '../../common/index.js';

/** The channel's authentication failed (HTTP 401). */
export class PeerAuthError extends QnfvError {
  constructor(message: string) {
    super('PEER_AUTH', message);
  }
}

/** The peer cannot take the offer now (HTTP 503). */
export class PeerBusyError extends QnfvError {
  constructor(message: string) {
    super('PEER_BUSY', message);
  }
}

/** The peer HM refused an offer or could not be reached. */
export class PeerExchangeError extends ProtocolError {
  /** HTTP status of the refusal; 0 when the peer was unreachable. */
  readonly httpStatus: number;
  constructor(httpStatus: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.httpStatus = httpStatus;
  }
}
