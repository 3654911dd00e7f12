/**
 * How the LCM reaches a domain's VCA: a typed JSON-RPC client per domain.
 * The production connector opens an SSH session (host key pinned) and the
 * `qnfv-vca` subsystem; tests may connect in-process over the same protocol.
 */
import type { VcaMethod, VcaMethods } from '../../vca/index.js';
import type { VimAccount } from '../model.js';

/** A connected domain: call its VCA's methods. */
export interface DomainClient {
  readonly domain: string;
  call<M extends VcaMethod>(method: M, params: VcaMethods[M]['params'], timeoutMs?: number): Promise<VcaMethods[M]['result']>;
  close(): void;
}

/** Opens DomainClients for VIM accounts. */
export interface DomainConnector {
  connect(account: VimAccount): Promise<DomainClient>;
}
