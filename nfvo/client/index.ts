/** A REST client of the NFVO, for the CLI, the lab and tests. */
export { NfvoClient, NfvoApiError, nextLink, type ApiReply } from './nfvo-client.js';
