/**
 * RouterSessions (vca/router-sessions.ts) against an in-process NETCONF
 * server over SSH on 127.0.0.1 (ephemeral port): it waits for a router that
 * comes up late, pins the host key, keeps its deadline, replaces the session
 * of a recreated router (closing the old one) and closes per instance.
 */
import { createServer } from 'node:net';
import { once } from 'node:events';
import { NotFoundError, ProtocolError, configureLogging } from '../../common/index.js';
import { MemoryDatastore, NetconfServer } from '../../common/netconf/index.js';
import { SshServer, fingerprint, generateKeyPair } from '../../common/ssh/index.js';
import { RouterSessions } from '../../vca/router-sessions.js';

configureLogging({ console: false });

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('RouterSessions', () => {
  const hostKey = generateKeyPair('router');
  const client = generateKeyPair('vca');
  const fp = fingerprint(hostKey.publicKey);
  const servers: SshServer[] = [];
  let netconf: NetconfServer;

  async function startRouter(port = 0): Promise<number> {
    netconf = new NetconfServer({ datastore: new MemoryDatastore() });
    const ssh = new SshServer({
      hostKeys: [hostKey.privateKey],
      authenticate: [{ user: 'admin', groups: ['admin'], authorizedKeys: [client.publicKey] }],
      subsystems: { netconf: netconf.handler },
    });
    servers.push(ssh);
    return (await ssh.listen(port, '127.0.0.1')).port;
  }

  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('waits for a router that starts later, then reuses the session', async () => {
    const port = await freePort();
    const sessions = new RouterSessions({ username: 'admin', privateKey: client.privateKey });
    const t0 = Date.now();
    const opening = sessions.open('i1', 'site-a', { host: '127.0.0.1', port, hostKeyFingerprint: fp }, 10_000);
    await new Promise((r) => setTimeout(r, 700));
    await startRouter(port);
    const c = await opening;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect(sessions.get('i1', 'site-a')).toBe(c);
    expect(await c.getConfig('running')).toEqual([]);
    await sessions.closeAll();
    expect(() => sessions.get('i1', 'site-a')).toThrow(NotFoundError);
  });

  it('refuses a router whose host key is not the pinned one, within the deadline', async () => {
    const port = await startRouter();
    const sessions = new RouterSessions({ username: 'admin', privateKey: client.privateKey });
    const other = fingerprint(generateKeyPair('other').publicKey);
    const t0 = Date.now();
    const err = (await sessions.open('i1', 'site-a', { host: '127.0.0.1', port, hostKeyFingerprint: other }, 1500).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(new RegExp(`router site-a did not answer NETCONF on 127\\.0\\.0\\.1:${port} within 1500 ms`));
    expect(err.message).toContain(fp);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(() => sessions.get('i1', 'site-a')).toThrow(NotFoundError);
  });

  it('gives up on a port where nothing listens, within the deadline', async () => {
    const port = await freePort();
    const sessions = new RouterSessions({ username: 'admin', privateKey: client.privateKey });
    const t0 = Date.now();
    await expect(sessions.open('i1', 'r', { host: '127.0.0.1', port, hostKeyFingerprint: fp }, 800)).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('a second open for the same router replaces and closes the old session; closeInstance closes only that instance', async () => {
    const port = await startRouter();
    const sessions = new RouterSessions({ username: 'admin', privateKey: client.privateKey });
    const ep = { host: '127.0.0.1', port, hostKeyFingerprint: fp };
    const first = await sessions.open('i1', 'site-a', ep);
    const second = await sessions.open('i1', 'site-a', ep);
    expect(sessions.get('i1', 'site-a')).toBe(second);
    await first.closed;
    await expect(first.getConfig('running')).rejects.toThrow(/closed/);
    const other = await sessions.open('i2', 'site-a', ep);
    const prefix = await sessions.open('i10', 'site-a', ep);
    expect(netconf.listSessions()).toHaveLength(3);
    await sessions.closeInstance('i1');
    await second.closed;
    expect(() => sessions.get('i1', 'site-a')).toThrow(NotFoundError);
    expect(sessions.get('i2', 'site-a')).toBe(other);
    expect(sessions.get('i10', 'site-a')).toBe(prefix);
    expect(await other.getConfig('running')).toEqual([]);
    await sessions.closeAll();
    await Promise.all([other.closed, prefix.closed]);
  });
});
