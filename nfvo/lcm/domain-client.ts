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
  /** Receive notifications the VCA pushes on this session (after `vca.subscribe`). */
  onNotification?(handler: (method: string, params: unknown) => void): void;
  /** Resolves when the session has ended. */
  readonly closed?: Promise<void>;
  close(): void;
}

/** Opens DomainClients for VIM accounts. */
export interface DomainConnector {
  connect(account: VimAccount): Promise<DomainClient>;
}
