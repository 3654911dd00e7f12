/**
 * Who is calling the KME. ETSI GS QKD 014 v1.1.1 §4.2 authenticates the SAE by
 * its TLS client certificate: `clientCertificateSaeIdentity` (the default of a
 * KME serving HTTPS) takes the SAE id from the subject CN of a certificate that
 * verified against the KME's CA. The other two resolvers are NOT
 * authentication: the header one trusts whatever the client claims, the fixed
 * one trusts configuration. Use them over plain HTTP on 127.0.0.1 only.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { SAE_ID_HEADER } from './constants.js';

/** Returns the calling SAE's id, or undefined when the caller cannot be identified (HTTP 401). */
export type SaeIdentityResolver = (req: IncomingMessage) => string | undefined;

/** Identity claimed in a request header (default `X-SAE-ID`): unauthenticated, for loopback use. */
export function headerSaeIdentity(header: string = SAE_ID_HEADER): SaeIdentityResolver {
  const name = header.toLowerCase();
  return (req) => {
    const v = req.headers[name];
    const id = Array.isArray(v) ? v[0] : v;
    return id && id.trim() !== '' ? id.trim() : undefined;
  };
}

/** Every caller is `saeId` (a KME dedicated to one SAE, configured out of band). */
export function fixedSaeIdentity(saeId: string): SaeIdentityResolver {
  return () => saeId;
}

/**
 * The SAE named by the subject CN of the caller's TLS client certificate, if the certificate
 * chain verified against the server's CA (`socket.authorized`); otherwise undefined (HTTP 401).
 */
export function clientCertificateSaeIdentity(): SaeIdentityResolver {
  // Read once per connection, not per request on a keep-alive connection: the KME server
  // disables TLS renegotiation, so a connection's client certificate cannot change.
  const known = new WeakMap<object, string | undefined>();
  return (req) => {
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function' || socket.authorized !== true) return undefined;
    if (known.has(socket)) return known.get(socket);
    const cn = socket.getPeerCertificate().subject?.CN;
    const id = Array.isArray(cn) ? cn[0] : cn;
    const sae = typeof id === 'string' && id !== '' ? id : undefined;
    known.set(socket, sae);
    return sae;
  };
}
