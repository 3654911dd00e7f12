/** The NFVO: REST API, catalog, NS LCM, CCIPS controller, persistence. */
export { NfvoServer, type NfvoOptions } from './nfvo-server.js';
export { SshDomainConnector } from './domains/ssh-domain-connector.js';
export * from './model.js';
export type { DomainClient, DomainConnector } from './lcm/index.js';
export { AuthService, ROLES, type Role, type User, type IssuedToken } from './auth/index.js';
export { NfvoClient, NfvoApiError, type ApiReply } from './client/index.js';
