/** The NFVO: REST API, catalog, NS LCM, CCIPS controller, persistence. */
export { NfvoServer, type NfvoOptions } from './nfvo-server.js';
export { SshDomainConnector } from './domains/ssh-domain-connector.js';
export * from './model.js';
export type { DomainClient, DomainConnector } from './lcm/index.js';
