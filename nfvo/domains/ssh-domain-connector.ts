/**
 * The production DomainConnector: an SSH session to the domain's VCA with
 * its host key pinned (the fingerprint registered in the VIM account), the
 * NFVO authenticating with its own key, and the `qnfv-vca` subsystem
 * carrying JSON-RPC. (The hybrid ECDH/QKD key exchange of the source paper
 * replaces the classical one in a later issue.)
 */
import { connectSsh } from '../../common/ssh/index.js';
import { JsonRpcClient, VCA_SUBSYSTEM, type VcaMethod, type VcaMethods } from '../../vca/index.js';
import type { DomainClient, DomainConnector } from '../lcm/index.js';
import type { VimAccount } from '../model.js';

export class SshDomainConnector implements DomainConnector {
  constructor(private readonly credentials: { privateKey: string }) {}

  async connect(account: VimAccount): Promise<DomainClient> {
    const ssh = await connectSsh({
      host: account.vca.host,
      port: account.vca.port,
      username: account.vca.username,
      privateKey: this.credentials.privateKey,
      hostKeyFingerprint: account.vca.hostKeyFingerprint,
      readyTimeout: 10_000,
    });
    const stream = await ssh.subsystem(VCA_SUBSYSTEM);
    const rpc = new JsonRpcClient(stream, `VCA of ${account.name}`);
    return {
      domain: account.name,
      call: <M extends VcaMethod>(method: M, params: VcaMethods[M]['params'], timeoutMs?: number) =>
        rpc.call(method, params, timeoutMs) as Promise<VcaMethods[M]['result']>,
      onNotification: (handler) => rpc.onNotification(handler),
      closed: rpc.closed,
      close: () => {
        rpc.close();
        ssh.close();
      },
    };
  }
}
