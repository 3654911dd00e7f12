/**
 * Who is calling the KME. ETSI GS QKD 014 v1.1.1 §4.2 authenticates the SAE by
 * its TLS client certificate; until HTTPS with client certificates arrives (a
 * later issue), the identity comes from a pluggable resolver. The two resolvers
 * here are NOT authentication: the header one trusts whatever the client
 * claims, the fixed one trusts configuration. Use them on 127.0.0.1 only.
 */
import type { IncomingMessage } from 'node:http';
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
