/**
 * The router process for real (dist/virtual-router/main.js, so `npm run
 * build` first): one `qtv-` namespace with a management veth from the root
 * namespace, a day-0 config with a pinned host key, then NETCONF from this
 * process (our client) and from ncclient (independent): capabilities,
 * edit-config of RFC 9061 SAD/SPD entries, get-config with keys only for the
 * admin group (NACM default-deny-all), `<get>` with ipsec-sa-state, an
 * invalid edit that leaves everything unchanged, deletes, routes into the
 * TUN following outbound protect policies, edits refused to non-admins, and
 * SIGTERM ending the process with its TUN. Router output is checked with
 * yanglint.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureLogging } from '../../common/index.js';
import {
  IKELESS_NS,
  ikelessEditToXml,
  ipsecConfigFromXml,
  ipsecStateFromXml,
  notificationFromXml,
  type IkelessConfig,
  type IkelessEdit,
  type SadEntry,
} from '../../common/ikeless/index.js';
import { NETCONF_NS, NetconfRpcError, parseXml, serializeXml, type NetconfClient, type XmlElement } from '../../common/netconf/index.js';
import { IKELESS_CAPABILITY } from '../../virtual-router/index.js';
import { yanglint } from '../common/ikeless/yanglint.js';
import {
  addMgmtLink,
  connectAs,
  createNs,
  deleteNs,
  run,
  runOk,
  startRouter,
  waitFor,
  writeRouterFiles,
  type MgmtLink,
  type RouterFiles,
  type RouterProcess,
} from './router-fixture.js';
import { SITE_A, SITE_B, findKey, sadEntry, spdEntry, tunnelConfig, type Site } from './tunnel-fixtures.js';

configureLogging({ console: false });

const hex = (u: Uint8Array | undefined): string => (u ? Buffer.from(u).toString('hex') : '');
const NCCLIENT = fileURLToPath(new URL('./ncclient-router.py', import.meta.url));
const NCCLIENT_NOTIFY = fileURLToPath(new URL('./ncclient-notify.py', import.meta.url));

/** An edit with every list the codec needs. */
function edit(e: Partial<IkelessEdit>): IkelessEdit {
  return { sad: [], spd: [], deleteSad: [], deleteSpd: [], ...e };
}
const xmlOf = (e: Partial<IkelessEdit>): string => serializeXml(ikelessEditToXml(edit(e), { withKeys: true }));

/** The `<ipsec-ikeless>` of a reply's data. */
function ikelessOf(data: XmlElement[]): XmlElement {
  const root = data.find((e) => e.name === 'ipsec-ikeless' && e.ns === IKELESS_NS);
  if (!root) throw new Error(`no ipsec-ikeless in ${data.map((d) => d.name).join(',')}`);
  return root;
}

async function running(c: NetconfClient): Promise<IkelessConfig> {
  return ipsecConfigFromXml(ikelessOf(await c.getConfig('running')));
}

const names = (c: IkelessConfig) => ({ sad: c.sad.map((e) => e.name).sort(), spd: c.spd.map((e) => e.name).sort() });

async function tunRoutes(ns: string): Promise<string[]> {
  const r = await run(['ip', '-n', ns, '-4', 'route', 'show', 'dev', 'tun0']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(' ')[0]!)
    .filter((l) => l !== '')
    .sort();
}

describe('router process (NETCONF/CCIPS agent, data path, routes)', () => {
  let ns: string | undefined;
  let mgmt: MgmtLink;
  let files: RouterFiles;
  let router: RouterProcess;
  let admin: NetconfClient;
  let oper: NetconfClient;
  const secret = new Uint8Array(randomBytes(32));
  const tunnel = tunnelConfig('t1', SITE_A, SITE_B, { spiOut: 0x1001, spiIn: 0x2002, master: true, secret });
  const allKeys = () => tunnel.sad.flatMap((e) => [e.espSa.encryption.key!, ...(e.espSa.integrity.key ? [e.espSa.integrity.key] : [])]);

  beforeAll(async () => {
    ns = await createNs('rp');
    mgmt = await addMgmtLink(ns);
    files = await writeRouterFiles({
      name: 'site-a',
      listenAddress: mgmt.routerAddress,
      tunnelAddresses: [SITE_A.tunnel],
      users: [
        { name: 'admin', groups: ['admin'] },
        { name: 'oper', groups: ['operator'] },
      ],
    });
    // A LAN address of the protected subnet, so the router itself can send protected traffic.
    await runOk(['ip', '-n', ns, 'addr', 'add', '10.1.0.1/32', 'dev', 'lo']);
    router = await startRouter(ns, files.configFile);
    admin = await connectAs(files, mgmt.routerAddress, 'admin');
    oper = await connectAs(files, mgmt.routerAddress, 'oper');
  });
  afterAll(async () => {
    await admin?.close().catch(() => undefined);
    await oper?.close().catch(() => undefined);
    await router?.stop(2000);
    await deleteNs(ns);
    await files?.cleanup();
  });

  it('hello advertises the ietf-i2nsf-ikeless capability with its notification feature, and base 1.1', () => {
    expect(admin.serverCapabilities).toContain(IKELESS_CAPABILITY);
    expect(IKELESS_CAPABILITY).toMatch(/module=ietf-i2nsf-ikeless&revision=2021-07-14&features=ikeless-notification/);
    expect(admin.serverCapabilities).toContain('urn:ietf:params:netconf:base:1.1');
    expect(admin.serverCapabilities).toContain('urn:ietf:params:netconf:capability:notification:1.0');
    expect(admin.framing).toBe('chunked');
  });

  it('starts with an empty SAD/SPD, the TUN up with its MTU, and its tunnel address routed into it', async () => {
    expect(names(await running(admin))).toEqual({ sad: [], spd: [] });
    const link = await run(['ip', '-n', ns!, '-j', 'link', 'show', 'tun0']);
    const info = (JSON.parse(link.stdout) as { mtu: number; flags: string[] }[])[0]!;
    expect(info.mtu).toBe(1400);
    expect(info.flags).toContain('UP');
    expect(await tunRoutes(ns!)).toEqual([SITE_A.tunnel]);
  });

  it('edit-config installs SAD/SPD entries; get-config returns them with keys for admin (yanglint-valid)', async () => {
    await admin.editConfig('running', xmlOf({ sad: tunnel.sad, spd: tunnel.spd }));
    const root = ikelessOf(await admin.getConfig('running'));
    yanglint('config', serializeXml(root), 'xml');
    const got = ipsecConfigFromXml(root);
    expect(names(got)).toEqual(names(tunnel));
    for (const sa of tunnel.sad) {
      const back = got.sad.find((e) => e.name === sa.name)!;
      expect(hex(back.espSa.encryption.key)).toBe(hex(sa.espSa.encryption.key));
      expect(back.espSa.encryption.key).toHaveLength(36);
      expect(back).toEqual(sa);
    }
    expect(got.spd.find((e) => e.direction === 'outbound')).toEqual(tunnel.spd[0]);
    // A subtree filter selects one table.
    const sadOnly = ikelessOf(await admin.getConfig('running', `<ipsec-ikeless xmlns="${IKELESS_NS}"><sad/></ipsec-ikeless>`));
    expect(sadOnly.children.map((c) => c.name)).toEqual(['sad']);
  });

  it('routes into the TUN follow outbound protect policies', async () => {
    expect(await tunRoutes(ns!)).toEqual([SITE_B.lan, SITE_A.tunnel].sort());
  });

  it('get-config and get for a non-admin user carry no key leaves (NACM default-deny-all)', async () => {
    const data = await oper.getConfig('running');
    const text = data.map((d) => serializeXml(d)).join('');
    expect(findKey(text, allKeys())).toBeUndefined();
    expect(text).not.toMatch(/<key>|:key>|<key /);
    yanglint('getconfig', serializeXml(ikelessOf(data)), 'xml');
    const got = ipsecConfigFromXml(ikelessOf(data));
    expect(names(got)).toEqual(names(tunnel));
    for (const sa of got.sad) {
      expect(sa.espSa.encryption.key).toBeUndefined();
      expect(sa.espSa.integrity.key).toBeUndefined();
      expect(sa.espSa.encryption.algorithm).toBe(20);
    }
    const state = await oper.get();
    const stateText = state.map((d) => serializeXml(d)).join('');
    expect(findKey(stateText, allKeys())).toBeUndefined();
    expect(ipsecStateFromXml(ikelessOf(state)).map((s) => s.name).sort()).toEqual(names(tunnel).sad);
  });

  it('<get> includes ipsec-sa-state for every SA (yanglint -t get)', async () => {
    const data = await admin.get();
    const root = ikelessOf(data);
    yanglint('get', serializeXml(root), 'xml');
    const states = ipsecStateFromXml(root);
    expect(states.map((s) => s.name).sort()).toEqual(names(tunnel).sad);
    for (const s of states) {
      expect(s.lifetimeCurrent.packets).toBe(0);
      expect(s.lifetimeCurrent.bytes).toBe(0n);
      expect(s.lifetimeCurrent.time).toBeGreaterThanOrEqual(0);
      expect(s.replayStats.replayWindow.w).toBe(64);
    }
    // The admin <get> carries the keys too (the admin may read them).
    expect(hex(ipsecConfigFromXml(root).sad[0]!.espSa.encryption.key)).toBe(hex(tunnel.sad.find((e) => e.name === ipsecConfigFromXml(root).sad[0]!.name)!.espSa.encryption.key));
  });

  it('protected traffic is counted on the outbound SA; re-sending the same entries keeps the SA and its counters', async () => {
    const out = tunnel.sad[0]!.name;
    const packetsOf = async (name: string) => ipsecStateFromXml(ikelessOf(await admin.get())).find((s) => s.name === name)!.lifetimeCurrent.packets;
    // Encrypted into the TUN; the ESP packets then find no route to the peer, which is fine here.
    await run(['ip', 'netns', 'exec', ns!, 'ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', '-I', '10.1.0.1', '10.2.0.5']);
    const sent = await waitFor('packets on the outbound SA', async () => ((await packetsOf(out)) >= 3 ? packetsOf(out) : undefined), 5000);
    const seq = ipsecStateFromXml(ikelessOf(await admin.get())).find((s) => s.name === out)!.replayStats.seqNumberCounter;
    expect(seq).toBeGreaterThanOrEqual(3n);
    // The same SAD/SPD again (a retried edit, or a client that pushes its whole view): a no-op, as merge of equal data is.
    await admin.editConfig('running', xmlOf({ sad: tunnel.sad, spd: tunnel.spd }));
    expect(await packetsOf(out)).toBe(sent);
    expect(ipsecStateFromXml(ikelessOf(await admin.get())).find((s) => s.name === out)!.replayStats.seqNumberCounter).toBe(seq);
    expect(names(await running(admin))).toEqual(names(tunnel));
  });

  it('an SA replaced under the same name (new lifetime, same key) continues its outbound sequence numbers', async () => {
    const out = tunnel.sad[0]!;
    const seqOf = async () => ipsecStateFromXml(ikelessOf(await admin.get())).find((s) => s.name === out.name)!.replayStats.seqNumberCounter;
    const before = await seqOf();
    expect(before).toBeGreaterThanOrEqual(3n);
    const changed: SadEntry = { ...out, lifetimeHard: { time: 7200 }, lifetimeSoft: { time: 6000, action: 'replace' } };
    await admin.editConfig('running', xmlOf({ sad: [changed] }));
    expect((await running(admin)).sad.find((e) => e.name === out.name)!.lifetimeHard).toEqual({ time: 7200 });
    // Restarting at 0 would reuse AES-GCM IVs (= sequence numbers) under the same key.
    expect(await seqOf()).toBe(before);
    await run(['ip', 'netns', 'exec', ns!, 'ping', '-n', '-q', '-c', '1', '-W', '1', '-I', '10.1.0.1', '10.2.0.5']);
    await waitFor('the next sequence number', async () => ((await seqOf()) === before + 1n ? true : undefined), 5000);
    // Back to the original entry for the tests that follow.
    await admin.editConfig('running', xmlOf({ sad: [out] }));
  });

  it('an invalid edit fails with an rpc-error and changes nothing: config, SA state, routes (all-or-nothing)', async () => {
    const before = serializeXml(ikelessOf(await admin.getConfig('running')));
    const stateBefore = ipsecStateFromXml(ikelessOf(await admin.get())).map((s) => s.name).sort();
    const routesBefore = await tunRoutes(ns!);
    // A valid new tunnel plus one SA whose GCM key is 35 bytes, in one edit.
    const good = tunnelConfig('t2', SITE_A, { name: 'c', tunnel: '198.51.100.3', lan: '10.3.0.0/24' }, { spiOut: 0x3001, spiIn: 0x3002, master: true, secret });
    const bad: SadEntry = sadEntry('t2', SITE_A, SITE_B, 0x3003, { secret });
    bad.espSa.encryption.key = bad.espSa.encryption.key!.subarray(0, 35);
    const err = (await admin.editConfig('running', xmlOf({ sad: [...good.sad, bad], spd: good.spd })).catch((e: unknown) => e)) as NetconfRpcError;
    expect(err).toBeInstanceOf(NetconfRpcError);
    expect(err.tag).toBe('invalid-value');
    expect(err.message).toMatch(new RegExp(bad.name.replace(/[/]/g, '\\/')));
    expect(err.message).toMatch(/key/i);
    // The rpc-error names the problem without echoing the key.
    expect(findKey(err.message, [bad.espSa.encryption.key!])).toBeUndefined();
    expect(serializeXml(ikelessOf(await admin.getConfig('running')))).toBe(before);
    expect(ipsecStateFromXml(ikelessOf(await admin.get())).map((s) => s.name).sort()).toEqual(stateBefore);
    expect(await tunRoutes(ns!)).toEqual(routesBefore);

    // A duplicate inbound SPI (a conflict only the whole candidate shows) is refused the same way.
    const dupSpi = sadEntry('t3', SITE_B, SITE_A, 0x2002, { secret, dir: 'in' });
    await expect(admin.editConfig('running', xmlOf({ sad: [dupSpi] }))).rejects.toThrow(/invalid-value.*SPI 0x2002/);
    // A policy the engine cannot load (an IPv4 local prefix with an IPv6 remote one, valid for
    // YANG) fails the whole edit as well.
    const v6: Site = { name: 'v6', tunnel: '198.51.100.6', lan: '2001:db8:6::/48' };
    const badPolicy = spdEntry('t3', SITE_A, v6, 'outbound', { reqid: 9n });
    await expect(admin.editConfig('running', xmlOf({ sad: good.sad, spd: [...good.spd, badPolicy] }))).rejects.toThrow(/invalid-value.*is IPv6 but localPrefix is IPv4/);
    expect(serializeXml(ikelessOf(await admin.getConfig('running')))).toBe(before);
    // test-only checks without applying.
    await admin.editConfig('running', xmlOf({ sad: good.sad, spd: good.spd }), { testOption: 'test-only' });
    expect(serializeXml(ikelessOf(await admin.getConfig('running')))).toBe(before);
  });

  it('a non-admin user cannot edit', async () => {
    const before = serializeXml(ikelessOf(await admin.getConfig('running')));
    const err = (await oper.editConfig('running', xmlOf({ deleteSad: [tunnel.sad[0]!.name] })).catch((e: unknown) => e)) as NetconfRpcError;
    expect(err).toBeInstanceOf(NetconfRpcError);
    expect(err.tag).toBe('access-denied');
    expect(serializeXml(ikelessOf(await admin.getConfig('running')))).toBe(before);
  });

  it('edits outside ietf-i2nsf-ikeless are refused', async () => {
    await expect(admin.editConfig('running', '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>')).rejects.toThrow(/unknown-namespace/);
  });

  it('ncclient (independent client): get-config, edit-config, rpc-error', async () => {
    const extra = tunnelConfig('t-nc', SITE_A, { name: 'd', tunnel: '198.51.100.4', lan: '10.4.0.0/24' }, { spiOut: 0x4001, spiIn: 0x4002, master: true, secret, suite: 'cbc256' });
    const editFile = join(files.dir, 'nc-edit.xml');
    const badFile = join(files.dir, 'nc-bad.xml');
    const wrap = (inner: string) => `<config xmlns="${NETCONF_NS}">${inner}</config>`;
    await writeFile(editFile, wrap(xmlOf({ sad: extra.sad, spd: extra.spd })));
    await writeFile(badFile, wrap(xmlOf({ deleteSad: ['no-such-sa'] })));
    const r = await run(['/usr/bin/python3', NCCLIENT, mgmt.routerAddress, '830', 'admin', files.users.admin!.keyFile, editFile, badFile], 30_000);
    if (r.code !== 0) throw new Error(`ncclient exited ${r.code}: ${r.stderr}`);
    const steps = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: string; [k: string]: unknown });
    const by = (s: string) => steps.find((x) => x.step === s)!;
    expect(by('hello').capabilities).toContain(IKELESS_CAPABILITY);
    const before = ipsecConfigFromXml(parseXml(by('get-config-before').data as string));
    expect(names(before)).toEqual(names(tunnel));
    expect(by('edit-config').ok).toBe(true);
    const after = parseXml(by('get-config-after').data as string);
    const afterCfg = ipsecConfigFromXml(after);
    expect(afterCfg.sad.map((e) => e.name).sort()).toEqual([...names(tunnel).sad, ...extra.sad.map((e) => e.name)].sort());
    // The filter asked for the SAD only.
    expect(afterCfg.spd).toEqual([]);
    const cbc = afterCfg.sad.find((e) => e.name === extra.sad[0]!.name)!;
    expect(hex(cbc.espSa.integrity.key)).toBe(hex(extra.sad[0]!.espSa.integrity.key));
    expect(by('bad-edit').tag).toBe('data-missing');
    expect(by('closed')).toBeDefined();
    // Our client sees ncclient's edit too, and the route to the new site.
    expect(names(await running(admin)).spd).toContain(extra.spd[0]!.name);
    expect(await tunRoutes(ns!)).toContain('10.4.0.0/24');
  });

  it('ncclient receives an RFC 9061 sadb-expire notification for an SA whose soft lifetime runs out (yanglint -t nc-notif)', async () => {
    const short = tunnelConfig('t-exp', SITE_A, { name: 'e', tunnel: '198.51.100.5', lan: '10.5.0.0/24' }, {
      spiOut: 0x5001,
      spiIn: 0x5002,
      master: true,
      secret,
      sa: { lifetimeSoft: { time: 1, action: 'replace' }, lifetimeHard: { time: 30 } },
    });
    const editFile = join(files.dir, 'nc-short.xml');
    await writeFile(editFile, `<config xmlns="${NETCONF_NS}">${xmlOf({ sad: short.sad, spd: short.spd })}</config>`);
    const r = await run(['/usr/bin/python3', NCCLIENT_NOTIFY, mgmt.routerAddress, '830', 'admin', files.users.admin!.keyFile, editFile], 30_000);
    if (r.code !== 0) throw new Error(`ncclient exited ${r.code}: ${r.stderr}`);
    const xml = (JSON.parse(r.stdout.trim()) as { notification: string | null }).notification;
    expect(xml).not.toBeNull();
    const n = notificationFromXml(parseXml(xml!));
    expect(n).toMatchObject({ type: 'sadb-expire', softLifetimeExpire: true });
    expect(short.sad.map((e) => e.name)).toContain((n as { ipsecSaName: string }).ipsecSaName);
    yanglint('nc-notif', xml!, 'xml');
    await admin.editConfig('running', xmlOf({ deleteSad: short.sad.map((e) => e.name), deleteSpd: short.spd.map((e) => e.name) }));
  });

  it('delete removes entries, their SAs and their routes; deleting a missing entry is data-missing', async () => {
    const cur = await running(admin);
    await admin.editConfig('running', xmlOf({ deleteSad: cur.sad.filter((e) => e.name.startsWith('t-nc/')).map((e) => e.name), deleteSpd: cur.spd.filter((e) => e.name.startsWith('t-nc/')).map((e) => e.name) }));
    expect(names(await running(admin))).toEqual(names(tunnel));
    expect(await tunRoutes(ns!)).toEqual([SITE_B.lan, SITE_A.tunnel].sort());
    await expect(admin.editConfig('running', xmlOf({ deleteSad: ['t-nc/missing'] }))).rejects.toThrow(/data-missing/);
    // `remove` of a missing entry is fine (RFC 6241 §7.2).
    await admin.editConfig(
      'running',
      `<ipsec-ikeless xmlns="${IKELESS_NS}" xmlns:nc="${NETCONF_NS}"><sad><sad-entry nc:operation="remove"><name>t-nc/missing</name></sad-entry></sad></ipsec-ikeless>`,
    );
    // Delete the outbound policy: its route goes, the SA state stays.
    await admin.editConfig('running', xmlOf({ deleteSpd: [tunnel.spd[0]!.name] }));
    expect(await tunRoutes(ns!)).toEqual([SITE_A.tunnel]);
    expect(ipsecStateFromXml(ikelessOf(await admin.get())).map((s) => s.name).sort()).toEqual(names(tunnel).sad);
    // Delete the rest.
    await admin.editConfig('running', xmlOf({ deleteSad: tunnel.sad.map((e) => e.name), deleteSpd: [tunnel.spd[1]!.name] }));
    expect(names(await running(admin))).toEqual({ sad: [], spd: [] });
    expect(ipsecStateFromXml(ikelessOf(await admin.get()))).toEqual([]);
  });

  it('replace of the whole SAD/SPD (default-operation replace) leaves exactly the new entries and routes', async () => {
    await admin.editConfig('running', xmlOf({ sad: tunnel.sad, spd: tunnel.spd }));
    const other = tunnelConfig('t9', SITE_A, { name: 'e', tunnel: '198.51.100.9', lan: '10.9.0.0/24' }, { spiOut: 0x9001, spiIn: 0x9002, master: true, secret });
    await admin.editConfig('running', xmlOf({ sad: other.sad, spd: other.spd }), { defaultOperation: 'replace' });
    expect(names(await running(admin))).toEqual(names(other));
    expect(await tunRoutes(ns!)).toEqual(['10.9.0.0/24', SITE_A.tunnel].sort());
  });

  it('a protected prefix written with host bits is routed as its network, like the engine matches it', async () => {
    const hostBits: Site = { name: 'h', tunnel: '198.51.100.7', lan: '10.7.0.77/24' };
    const t = tunnelConfig('t-hb', SITE_A, hostBits, { spiOut: 0x7701, spiIn: 0x7702, master: true, secret });
    await admin.editConfig('running', xmlOf({ sad: t.sad, spd: t.spd }));
    expect(names(await running(admin)).spd).toEqual(expect.arrayContaining(t.spd.map((e) => e.name)));
    expect(await tunRoutes(ns!)).toContain('10.7.0.0/24');
    await admin.editConfig('running', xmlOf({ deleteSad: t.sad.map((e) => e.name), deleteSpd: t.spd.map((e) => e.name) }));
    expect(await tunRoutes(ns!)).not.toContain('10.7.0.0/24');
  });

  it('never logs key bytes', () => {
    expect(router.logs.some((r) => r.msg === 'configuration applied')).toBe(true);
    expect(findKey(router.stderr(), allKeys())).toBeUndefined();
  });

  it('SIGTERM with sessions open: the process exits promptly with status 0 and its TUN disappears', async () => {
    const t0 = Date.now();
    const r = await router.stop(10_000);
    const ms = Date.now() - t0;
    expect(r).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(3000);
    expect(router.logs.some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM')).toBe(true);
    await waitFor('the TUN to disappear', async () => ((await run(['ip', '-n', ns!, 'link', 'show', 'tun0'])).code !== 0 ? true : undefined), 3000);
    // The sessions learn that the server went away.
    await expect(admin.getConfig('running')).rejects.toThrow();
  });
});

describe('router process whose data path dies', () => {
  let ns: string | undefined;
  let files: RouterFiles | undefined;
  let router: RouterProcess | undefined;
  afterAll(async () => {
    await router?.stop(1000);
    await deleteNs(ns);
    await files?.cleanup();
  });

  it('exits with status 1 when its TUN is deleted under it, instead of serving NETCONF without a data path', async () => {
    ns = await createNs('rpdie');
    const mgmt = await addMgmtLink(ns);
    files = await writeRouterFiles({ name: 'site-x', listenAddress: mgmt.routerAddress, tunnelAddresses: [SITE_A.tunnel] });
    router = await startRouter(ns, files.configFile);
    await runOk(['ip', '-n', ns, 'link', 'del', 'tun0']);
    const t0 = Date.now();
    const r = await Promise.race([router.exited, new Promise<'alive'>((res) => setTimeout(() => res('alive'), 5000))]);
    expect(r).toEqual({ code: 1, signal: null });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(router.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['data path failed', 'data path ended, exiting']));
  });
});

describe('router process start-up failures', () => {
  const main = async () => (await import('../../virtual-router/index.js')).routerMainPath();

  it('exits 2 with a usage line without --config', async () => {
    const r = await run([process.execPath, await main()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: main\.js --config/);
  });

  it('exits 1 naming the problem for a missing or invalid config file', async () => {
    const missing = await run([process.execPath, await main(), '--config', '/nonexistent/router.json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/router failed: router config \/nonexistent\/router\.json/);
    const files = await writeRouterFiles({ name: 'x', listenAddress: '127.0.0.1', tunnelAddresses: [] });
    try {
      const r = await run([process.execPath, await main(), '--config', files.configFile]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/tunnelAddresses: must list at least one address/);
    } finally {
      await files.cleanup();
    }
  });

  it('--wait-for-config waits for the file to appear, then reads it', async () => {
    const files = await writeRouterFiles({ name: 'x', listenAddress: '127.0.0.1', tunnelAddresses: [] });
    try {
      const later = join(files.dir, 'later.json');
      const child = spawn(process.execPath, [await main(), '--config', later, '--wait-for-config'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 800));
      expect(child.exitCode).toBeNull();
      // Written atomically, as the VCA does; this config is invalid, so the router then exits 1 naming it.
      await rename(files.configFile, later);
      expect(await exited).toBe(1);
      expect(stderr).toMatch(/tunnelAddresses: must list at least one address/);
    } finally {
      await files.cleanup();
    }
  });
});
