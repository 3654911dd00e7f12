/**
 * The router's day-0 config (virtual-router/config.ts): what the VCA writes
 * is accepted, and every malformed field is reported at once by path;
 * routerMainPath (program.ts) finds the built entry point; networkPrefix
 * (route-table.ts) turns a selector prefix into the route the kernel takes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../common/index.js';
import { checkRouterConfig, routerMainPath, DEFAULT_TUN_MTU, DEFAULT_TUN_NAME, NETCONF_PORT, type RouterConfig } from '../../virtual-router/index.js';
import { loadRouterConfig } from '../../virtual-router/config.js';
import { networkPrefix } from '../../virtual-router/route-table.js';

function good(): RouterConfig {
  return {
    name: 'site-a',
    instanceId: 'i-1',
    tun: { name: DEFAULT_TUN_NAME, mtu: DEFAULT_TUN_MTU },
    tunnelAddresses: ['198.51.100.1'],
    netconf: {
      listenAddress: '100.64.0.2',
      port: NETCONF_PORT,
      hostKeyFile: '/tmp/x/ssh_host_ed25519_key',
      users: [{ name: 'admin', groups: ['admin'], authorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE9x vca'] }],
    },
    keyReaderGroups: ['admin'],
  };
}

const paths = (raw: unknown) => checkRouterConfig(raw).map((p) => p.path);

describe('checkRouterConfig', () => {
  it('accepts what the VCA writes, including an empty key-reader list', () => {
    expect(checkRouterConfig(good())).toEqual([]);
    expect(checkRouterConfig({ ...good(), keyReaderGroups: [] })).toEqual([]);
    expect(checkRouterConfig({ ...good(), tunnelAddresses: ['198.51.100.1', '198.51.100.9'] })).toEqual([]);
  });

  it('refuses non-objects', () => {
    for (const raw of [null, 5, 'x', undefined]) expect(checkRouterConfig(raw)).toEqual([{ path: '', message: 'must be a JSON object' }]);
  });

  it('reports every bad top-level field at once', () => {
    expect(paths({})).toEqual(['name', 'instanceId', 'tun.name', 'tun.mtu', 'tunnelAddresses', 'netconf.listenAddress', 'netconf.port', 'netconf.hostKeyFile', 'netconf.users', 'keyReaderGroups']);
  });

  it.each([
    ['tun.name', { tun: { name: 'x'.repeat(16), mtu: 1400 } }],
    ['tun.name', { tun: { name: 'a b', mtu: 1400 } }],
    ['tun.mtu', { tun: { name: 'tun0', mtu: 575 } }],
    ['tun.mtu', { tun: { name: 'tun0', mtu: 9001 } }],
    ['tun.mtu', { tun: { name: 'tun0', mtu: 1400.5 } }],
    ['tunnelAddresses', { tunnelAddresses: [] }],
    ['tunnelAddresses[0]', { tunnelAddresses: ['not-an-address'] }],
    ['tunnelAddresses[1]', { tunnelAddresses: ['198.51.100.1', '198.51.100.256'] }],
    ['tunnelAddresses[0]', { tunnelAddresses: [7] }],
    ['name', { name: '' }],
  ] as const)('%s: %j', (path, patch) => {
    expect(paths({ ...good(), ...patch })).toEqual([path]);
  });

  it.each([
    ['netconf.port', { port: 0 }],
    ['netconf.port', { port: 65536 }],
    ['netconf.port', { port: '830' }],
    ['netconf.users', { users: [] }],
    ['netconf.users[0].name', { users: [{ name: '', groups: [], authorizedKeys: [] }] }],
    ['netconf.users[0].groups', { users: [{ name: 'a', groups: 'admin', authorizedKeys: [] }] }],
    ['netconf.users[0].authorizedKeys', { users: [{ name: 'a', groups: [], authorizedKeys: [1] }] }],
    ['netconf.users[1]', { users: [good().netconf.users[0], null] }],
  ] as const)('%s: %j', (path, patch) => {
    expect(paths({ ...good(), netconf: { ...good().netconf, ...patch } })).toEqual([path]);
  });

  it('keyReaderGroups must be a list of strings', () => {
    expect(paths({ ...good(), keyReaderGroups: 'admin' })).toEqual(['keyReaderGroups']);
    expect(paths({ ...good(), keyReaderGroups: ['admin', 3] })).toEqual(['keyReaderGroups']);
  });
});

describe('loadRouterConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qtv-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a good file, and names the file and the problems otherwise', async () => {
    const f = join(dir, 'router.json');
    await writeFile(f, JSON.stringify(good()));
    expect(await loadRouterConfig(f)).toEqual(good());
    await writeFile(f, '{"name":');
    await expect(loadRouterConfig(f)).rejects.toThrow(new RegExp(`router config ${f}: .*JSON`));
    await writeFile(f, JSON.stringify({ ...good(), tun: { name: 'tun0', mtu: 1 } }));
    const err = (await loadRouterConfig(f).catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.problems.map((p) => p.path)).toEqual(['tun.mtu']);
    await expect(loadRouterConfig(join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
  });
});

describe('routerMainPath', () => {
  it('points at the built dist/virtual-router/main.js', () => {
    const p = routerMainPath();
    expect(p).toMatch(/\/dist\/virtual-router\/main\.js$/);
    expect(existsSync(p)).toBe(true);
  });
});

describe('networkPrefix', () => {
  it.each([
    ['10.2.0.0/24', '10.2.0.0/24'],
    ['10.2.0.77/24', '10.2.0.0/24'],
    ['10.255.255.255/8', '10.0.0.0/8'],
    ['192.168.1.130/25', '192.168.1.128/25'],
    ['203.0.113.9/32', '203.0.113.9/32'],
    ['8.8.8.8/0', '0.0.0.0/0'],
    [' 10.2.0.1/16 ', '10.2.0.0/16'],
    // Not IPv4 prefixes: left as they are.
    ['2001:db8::1/64', '2001:db8::1/64'],
    ['10.2.0.300/24', '10.2.0.300/24'],
    ['10.2.0.0/33', '10.2.0.0/33'],
    ['10.2.0.0', '10.2.0.0'],
  ])('%s → %s', (input, out) => {
    expect(networkPrefix(input)).toBe(out);
  });
});
