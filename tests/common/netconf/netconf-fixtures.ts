/**
 * A NETCONF server on a real SSH server on 127.0.0.1 (ephemeral port) with an
 * in-memory datastore, for the client/server and interop tests. Users:
 * `admin` (publickey, group admin) and `oper` (password, group operators).
 * The read view hides `<key>` leaves from non-admin users, like the router's
 * NACM rule does for RFC 9061 key leaves.
 */
import { MemoryDatastore, NetconfServer, elem, type XmlElement } from '../../../common/netconf/index.js';
import { SshServer, fingerprint, generateKeyPair, type SshKeyPair } from '../../../common/ssh/index.js';

export const TEST_NS = 'urn:qnfv:test';
export const MODULE_CAP = 'urn:ietf:params:xml:ns:yang:ietf-i2nsf-ikeless?module=ietf-i2nsf-ikeless&revision=2021-07-14&features=ikeless-notification';

export interface NetconfFixture {
  port: number;
  hostKeyFingerprint: string;
  admin: SshKeyPair;
  operPassword: string;
  netconf: NetconfServer;
  datastore: MemoryDatastore;
  ssh: SshServer;
  close(): Promise<void>;
}

function hideKeys(data: XmlElement[]): XmlElement[] {
  return data
    .filter((e) => e.name !== 'key')
    .map((e) => ({ ...e, children: hideKeys(e.children) }));
}

/** Start SSH + NETCONF on an ephemeral port. */
export async function startNetconf(): Promise<NetconfFixture> {
  const host = generateKeyPair('host');
  const admin = generateKeyPair('admin');
  const operPassword = 'oper-secret';
  const datastore = new MemoryDatastore({
    readView: (data, session) => (session.groups.includes('admin') ? data : hideKeys(data)),
    state: () => [elem('state', TEST_NS, [elem('uptime', TEST_NS, [], '42')])],
  });
  const netconf = new NetconfServer({ datastore, capabilities: [MODULE_CAP] });
  const ssh = new SshServer({
    hostKeys: [host.privateKey],
    authenticate: [
      { user: 'admin', groups: ['admin'], authorizedKeys: [admin.publicKey] },
      { user: 'oper', groups: ['operators'], password: operPassword },
    ],
    subsystems: { netconf: netconf.handler },
  });
  const { port } = await ssh.listen(0, '127.0.0.1');
  return {
    port,
    hostKeyFingerprint: fingerprint(host.publicKey),
    admin,
    operPassword,
    netconf,
    datastore,
    ssh,
    close: async () => {
      netconf.close();
      await ssh.close();
    },
  };
}
