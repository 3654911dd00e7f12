/**
 * The CCIPS agent (virtual-router/ccips-agent.ts) in-process, over a fake
 * backend that records what reaches the data path and the routes: NACM on
 * key leaves, who may edit, RFC 6241 operations (create/delete/remove/
 * replace, test-only), the data path diff (unchanged entries stay,
 * changed ones are replaced), all-or-nothing when the data path or the
 * routes refuse, serialized edits, and key wiping. The real process is in
 * router-process.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { configureLogging } from '../../common/index.js';
import { IKELESS_NS, ikelessEditToXml, ipsecConfigFromXml, type IkelessEdit, type SadEntry, type SadEntryState } from '../../common/ikeless/index.js';
import { NETCONF_NS, NetconfRpcError, parseXml, serializeXml, type EditConfigRequest, type NetconfSessionInfo, type XmlElement } from '../../common/netconf/index.js';
import { CcipsAgent, type AgentBackend } from '../../virtual-router/ccips-agent.js';
import type { DatapathEdit } from '../../virtual-router/datapath/control-messages.js';
import type { RunningTable } from '../../virtual-router/running-table.js';
import { SITE_A, SITE_B, findKey, sadEntry, tunnelConfig } from './tunnel-fixtures.js';

configureLogging({ console: false });

const ADMIN: NetconfSessionInfo = { sessionId: 1, user: 'admin', groups: ['admin'] };
const OPER: NetconfSessionInfo = { sessionId: 2, user: 'oper', groups: ['operator'] };
const AUDITOR: NetconfSessionInfo = { sessionId: 3, user: 'aud', groups: ['auditor'] };
const hex = (u: Uint8Array | undefined) => (u ? Buffer.from(u).toString('hex') : '');

class FakeBackend implements AgentBackend {
  localAddresses = [SITE_A.tunnel];
  edits: DatapathEdit[] = [];
  routeSyncs: string[][] = [];
  failApply: Error | undefined;
  failRoutes: Error | undefined;
  /** What the data path holds, by name (as the worker would after each edit). */
  installed = new Map<string, string>();

  async apply(edit: DatapathEdit): Promise<void> {
    // Structured clone, as postMessage does.
    this.edits.push(structuredClone(edit));
    if (this.failApply) throw this.failApply;
    for (const n of edit.deleteSa) this.installed.delete(`sa:${n}`);
    for (const n of edit.deletePolicy) this.installed.delete(`sp:${n}`);
    for (const e of edit.addSa) this.installed.set(`sa:${e.name}`, hex(e.espSa.encryption.key));
    for (const e of edit.addPolicy) this.installed.set(`sp:${e.name}`, e.direction);
  }
  async state(): Promise<{ sas: { name: string; state: SadEntryState }[]; counters: { encrypted: number; decrypted: number; bypassed: number; drops: Record<string, number> } }> {
    const sas = [...this.installed.keys()]
      .filter((k) => k.startsWith('sa:'))
      .map((k) => k.slice(3))
      .map((name) => ({
        name,
        state: {
          name,
          lifetimeCurrent: { time: 1, bytes: 100n, packets: 2, idle: 0 },
          replayStats: { replayWindow: { w: 64, t: 0, b: 0 }, packetDropped: 0, failed: 0, seqNumberCounter: 2n },
        },
      }));
    // A state for an SA the agent does not know must not reach the reply.
    sas.push({ name: 'stray', state: { ...sas[0]?.state, name: 'stray' } as SadEntryState });
    return { sas: sas.filter((s) => s.state.lifetimeCurrent !== undefined), counters: { encrypted: 1, decrypted: 2, bypassed: 3, drops: { 'no-sa': 4 } } };
  }
  async syncRoutes(prefixes: string[]): Promise<void> {
    this.routeSyncs.push([...prefixes].sort());
    if (this.failRoutes) throw this.failRoutes;
  }
}

function edit(e: Partial<IkelessEdit>): IkelessEdit {
  return { sad: [], spd: [], deleteSad: [], deleteSpd: [], ...e };
}
function req(e: Partial<IkelessEdit> | string, o: Partial<EditConfigRequest> = {}): EditConfigRequest {
  const xml = typeof e === 'string' ? e : serializeXml(ikelessEditToXml(edit(e), { withKeys: true }));
  return { target: 'running', defaultOperation: 'merge', testOption: 'test-then-set', errorOption: 'stop-on-error', config: [parseXml(xml)], ...o };
}
const cfgOf = (els: XmlElement[]) => ipsecConfigFromXml(els[0]!);
/** The agent's own running entry (the object whose keys it wipes), read from its private SAD. */
const runningSa = (a: CcipsAgent, name: string): SadEntry => (a as unknown as { sad: RunningTable<SadEntry> }).sad.get(name)!;
const sadNames = (els: XmlElement[]) => cfgOf(els).sad.map((e) => e.name).sort();

describe('CcipsAgent', () => {
  const secret = new Uint8Array(randomBytes(32));
  let backend: FakeBackend;
  let agent: CcipsAgent;
  const t1 = () => tunnelConfig('t1', SITE_A, SITE_B, { spiOut: 0x1001, spiIn: 0x2002, master: true, secret });

  beforeEach(() => {
    backend = new FakeBackend();
    agent = new CcipsAgent(backend, ['admin', 'auditor']);
  });

  it('applies an edit: the data path gets the new entries with keys, routes follow outbound protect policies', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    expect(backend.edits).toHaveLength(1);
    expect(backend.edits[0]!.addSa.map((e) => e.name)).toEqual(t.sad.map((e) => e.name));
    expect(backend.edits[0]!.addPolicy.map((e) => e.name)).toEqual(t.spd.map((e) => e.name));
    expect(backend.edits[0]!.deleteSa).toEqual([]);
    expect(hex(backend.edits[0]!.addSa[0]!.espSa.encryption.key)).toBe(hex(t.sad[0]!.espSa.encryption.key));
    expect(backend.routeSyncs).toEqual([[SITE_B.lan]]);
  });

  it('NACM: keys only for key-reader groups; only admin edits', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const keys = t.sad.map((e) => e.espSa.encryption.key!);
    for (const s of [ADMIN, AUDITOR]) {
      const text = serializeXml((await agent.getConfig('running', undefined, s))[0]!);
      expect(findKey(text, keys)).toBeDefined();
    }
    const operCfg = (await agent.getConfig('running', undefined, OPER)).map((e) => serializeXml(e)).join('');
    const operGet = (await agent.get(undefined, OPER)).map((e) => serializeXml(e)).join('');
    expect(findKey(operCfg + operGet, keys)).toBeUndefined();
    expect(cfgOf(await agent.getConfig('running', undefined, OPER)).sad.every((e) => e.espSa.encryption.key === undefined)).toBe(true);
    // The auditor may read keys but not edit.
    await expect(agent.editConfig(req({ deleteSad: [t.sad[0]!.name] }), AUDITOR)).rejects.toMatchObject({ tag: 'access-denied' });
    await expect(agent.editConfig(req({ deleteSad: [t.sad[0]!.name] }), OPER)).rejects.toMatchObject({ tag: 'access-denied' });
    expect(backend.edits).toHaveLength(1);
    // With no key-reader group, nobody sees keys, not even admin.
    const closed = new CcipsAgent(backend, []);
    await closed.editConfig(req({ sad: t1().sad }), ADMIN);
    expect(findKey(serializeXml((await closed.getConfig('running', undefined, ADMIN))[0]!), keys)).toBeUndefined();
  });

  it('<get> adds the state of known SAs only', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const data = await agent.get(undefined, ADMIN);
    const text = serializeXml(data[0]!);
    expect(text).toContain('ipsec-sa-state');
    expect(text).not.toContain('stray');
  });

  it('create of an existing entry is data-exists; delete of a missing one data-missing; remove of a missing one is fine', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const ops = (op: string) => ({ sad: new Map([[t.sad[0]!.name, op]]), spd: new Map<string, string>() });
    await expect(agent.editConfig(req({ sad: [t.sad[0]!], operations: ops('create') as IkelessEdit['operations'] }), ADMIN)).rejects.toMatchObject({ tag: 'data-exists' });
    await expect(agent.editConfig(req({ deleteSad: ['missing'] }), ADMIN)).rejects.toMatchObject({ tag: 'data-missing' });
    await agent.editConfig(req({ deleteSad: ['missing'], operations: { sad: new Map([['missing', 'remove']]), spd: new Map() } }), ADMIN);
    expect(sadNames(await agent.getConfig('running', undefined, ADMIN))).toEqual(t.sad.map((e) => e.name).sort());
  });

  it('an unchanged entry written again stays installed; a changed one is replaced (delete + add)', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    backend.edits.length = 0;
    await agent.editConfig(req({ sad: t1().sad, spd: t1().spd }), ADMIN);
    expect(backend.edits).toEqual([{ addSa: [], deleteSa: [], addPolicy: [], deletePolicy: [] }]);
    // default-operation replace with the same content is a no-op as well.
    await agent.editConfig(req({ sad: t1().sad, spd: t1().spd }, { defaultOperation: 'replace' }), ADMIN);
    expect(backend.edits[1]).toEqual({ addSa: [], deleteSa: [], addPolicy: [], deletePolicy: [] });
    // A new key for one SA: that SA alone is replaced.
    const rekeyed = tunnelConfig('t1', SITE_A, SITE_B, { spiOut: 0x1001, spiIn: 0x2002, master: true, secret: new Uint8Array(randomBytes(32)) });
    await agent.editConfig(req({ sad: [rekeyed.sad[0]!, t1().sad[1]!] }), ADMIN);
    expect(backend.edits[2]!.deleteSa).toEqual([t.sad[0]!.name]);
    expect(backend.edits[2]!.addSa.map((e) => e.name)).toEqual([t.sad[0]!.name]);
    expect(backend.installed.get(`sa:${t.sad[0]!.name}`)).toBe(hex(rekeyed.sad[0]!.espSa.encryption.key));
  });

  it('test-only checks the candidate but applies nothing', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }, { testOption: 'test-only' }), ADMIN);
    expect(backend.edits).toEqual([]);
    expect(sadNames(await agent.getConfig('running', undefined, ADMIN))).toEqual([]);
    const bad = sadEntry('t1', SITE_A, SITE_B, 0x1001, { secret });
    bad.espSa.encryption.key = bad.espSa.encryption.key!.subarray(0, 30);
    await expect(agent.editConfig(req({ sad: [bad] }, { testOption: 'test-only' }), ADMIN)).rejects.toMatchObject({ tag: 'invalid-value' });
  });

  it('when the data path refuses, the running config is unchanged and routes are untouched', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const before = serializeXml((await agent.getConfig('running', undefined, ADMIN))[0]!);
    backend.failApply = new Error('worker said no');
    const other = tunnelConfig('t2', SITE_A, { name: 'c', tunnel: '198.51.100.3', lan: '10.3.0.0/24' }, { spiOut: 0x3001, spiIn: 0x3002, master: true, secret });
    await expect(agent.editConfig(req({ sad: other.sad, spd: other.spd }), ADMIN)).rejects.toThrow('worker said no');
    expect(serializeXml((await agent.getConfig('running', undefined, ADMIN))[0]!)).toBe(before);
    expect(backend.routeSyncs).toEqual([[SITE_B.lan]]);
  });

  it('when the routes cannot be set, the data path is rolled back and the edit fails (all-or-nothing)', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const before = serializeXml((await agent.getConfig('running', undefined, ADMIN))[0]!);
    const installedBefore = new Map(backend.installed);
    backend.failRoutes = new Error("'ip route replace' failed");
    const other = tunnelConfig('t2', SITE_A, { name: 'c', tunnel: '198.51.100.3', lan: '10.3.0.0/24' }, { spiOut: 0x3001, spiIn: 0x3002, master: true, secret });
    const err = (await agent.editConfig(req({ sad: other.sad, spd: other.spd, deleteSad: [t.sad[1]!.name] }), ADMIN).catch((e: unknown) => e)) as NetconfRpcError;
    expect(err).toBeInstanceOf(NetconfRpcError);
    expect(err.tag).toBe('operation-failed');
    expect(err.message).toMatch(/rolled back: 'ip route replace' failed/);
    expect(serializeXml((await agent.getConfig('running', undefined, ADMIN))[0]!)).toBe(before);
    // The data path holds exactly what it held before, with the same keys.
    expect(backend.installed).toEqual(installedBefore);
    // Routes were asked back to the old set.
    expect(backend.routeSyncs.at(-1)).toEqual([SITE_B.lan]);
    // The agent still works afterwards.
    backend.failRoutes = undefined;
    await agent.editConfig(req({ sad: other.sad, spd: other.spd }), ADMIN);
    expect(sadNames(await agent.getConfig('running', undefined, ADMIN))).toHaveLength(4);
  });

  it('serializes concurrent edits: two creates of one entry give one data-exists', async () => {
    const t = t1();
    const create = () => req({ sad: [t.sad[0]!], operations: { sad: new Map([[t.sad[0]!.name, 'create']]), spd: new Map() } });
    const results = await Promise.allSettled([agent.editConfig(create(), ADMIN), agent.editConfig(create(), ADMIN)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ tag: 'data-exists' });
    // A failed edit does not block the queue.
    await agent.editConfig(req({ deleteSad: [t.sad[0]!.name] }), ADMIN);
    expect(sadNames(await agent.getConfig('running', undefined, ADMIN))).toEqual([]);
  });

  it('wipes the keys of entries that leave the running config', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const key = runningSa(agent, t.sad[0]!.name).espSa.encryption.key!;
    expect(key.some((b) => b !== 0)).toBe(true);
    await agent.editConfig(req({ deleteSad: [t.sad[0]!.name] }), ADMIN);
    expect(key.every((b) => b === 0)).toBe(true);
  });

  it('forgets an SA the data path removed at its hard lifetime: not in get-config, keys wiped, deletable with remove', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const gone = t.sad[0]!.name;
    const key = runningSa(agent, gone).espSa.encryption.key!;
    expect(await agent.forgetExpired(gone)).toBe(true);
    expect(key.every((b) => b === 0)).toBe(true);
    expect(sadNames(agent.getConfig('running', undefined, ADMIN))).toEqual(t.sad.slice(1).map((e) => e.name).sort());
    expect(backend.edits).toHaveLength(1); // the data path already dropped it: nothing sent
    expect(await agent.forgetExpired(gone)).toBe(false);
    // A rekey's clean-up removes it with `remove` (fine), a plain delete is data-missing.
    await agent.editConfig(req(edit({ deleteSad: [gone], operations: { sad: new Map([[gone, 'remove']]), spd: new Map() } })), ADMIN);
    await expect(agent.editConfig(req({ deleteSad: [gone] }), ADMIN)).rejects.toThrow(/data-missing/);
  });

  it('refuses a new SA whose SPI an installed SA of the same direction uses, and applies nothing', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const clash = { ...t.sad[0]!, name: 'other-name' };
    await expect(agent.editConfig(req({ sad: [clash] }), ADMIN)).rejects.toThrow(/SPI 0x1001 of sad-entry 'other-name' is already used/);
    expect(backend.edits).toHaveLength(1);
    expect(sadNames(agent.getConfig('running', undefined, ADMIN))).toEqual(t.sad.map((e) => e.name).sort());
  });

  /** `n` tunnels' SAs (no policies), SPIs from `spi0` up, installed in edits of 25 SAs. */
  async function installMany(n: number, spi0: number): Promise<SadEntry[]> {
    const all: SadEntry[] = [];
    for (let i = 0; i < n; i++) all.push(...tunnelConfig(`m${i}`, SITE_A, SITE_B, { spiOut: spi0 + 2 * i, spiIn: spi0 + 2 * i + 1, master: true, secret }).sad);
    for (let i = 0; i < all.length; i += 25) await agent.editConfig(req({ sad: all.slice(i, i + 25) }), ADMIN);
    return all;
  }
  const names = (xs: { name: string }[]) => xs.map((x) => x.name);

  it('refuses an SA whose SPI an SA installed long before uses, in either direction, and leaves everything as it was', async () => {
    const t = t1(); // outbound 0x1001, inbound 0x2002
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    await installMany(60, 0x10000);
    const before = serializeXml(agent.getConfig('running', undefined, ADMIN)[0]!);
    const edits = backend.edits.length;
    const fresh = tunnelConfig('late', SITE_A, SITE_B, { spiOut: 0x5001, spiIn: 0x5002, master: true, secret }).sad;
    const outClash = { ...fresh[0]!, spi: 0x1001 };
    await expect(agent.editConfig(req({ sad: [outClash, fresh[1]!] }), ADMIN)).rejects.toThrow(
      `outbound SPI 0x1001 of sad-entry '${outClash.name}' is already used by sad-entry '${t.sad[0]!.name}'`,
    );
    const inClash = { ...fresh[1]!, spi: 0x2002 };
    await expect(agent.editConfig(req({ sad: [inClash] }), ADMIN)).rejects.toThrow(`inbound SPI 0x2002 of sad-entry '${inClash.name}' is already used by sad-entry '${t.sad[1]!.name}'`);
    // The same SPI in the other direction is another SA (RFC 4301 §4.1: inbound SAs are found by SPI alone).
    await agent.editConfig(req({ sad: [{ ...fresh[1]!, spi: 0x1001 }] }), ADMIN);
    expect(backend.edits).toHaveLength(edits + 1);
    expect(serializeXml(agent.getConfig('running', undefined, ADMIN)[0]!)).not.toBe(before);
  });

  it('an SPI is free again once its SA is deleted, replaced by a new SPI, expired or dropped by a replace', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const many = await installMany(10, 0x10000);
    const other = (name: string, spi: number) => ({ ...tunnelConfig(name, SITE_A, SITE_B, { spiOut: spi, spiIn: 0x7000, master: true, secret }).sad[0]!, spi });
    // Deleted and reused in one edit.
    await agent.editConfig(req({ sad: [other('x1', 0x1001)], deleteSad: [t.sad[0]!.name] }), ADMIN);
    // The same name with a new SPI frees the old one.
    await agent.editConfig(req({ sad: [{ ...other('x1', 0x1001), spi: 0x6001 }] }), ADMIN);
    await agent.editConfig(req({ sad: [other('x2', 0x1001)] }), ADMIN);
    // A hard expiry frees it as well.
    expect(await agent.forgetExpired(many[0]!.name)).toBe(true);
    await agent.editConfig(req({ sad: [other('x3', many[0]!.spi)] }), ADMIN);
    // A replaced SAD keeps only what the edit names; the others' SPIs are free.
    const kept = structuredClone(many[2]!); // outbound, as other()'s SAs (even indexes of `many` are)
    const held = sadNames(agent.getConfig('running', undefined, ADMIN));
    await agent.editConfig(req({ sad: [kept] }, { defaultOperation: 'replace' }), ADMIN);
    expect(sadNames(agent.getConfig('running', undefined, ADMIN))).toEqual([kept.name]);
    expect(backend.edits.at(-1)!.addSa).toEqual([]); // written unchanged: stays installed
    expect(backend.edits.at(-1)!.deleteSa.sort()).toEqual(held.filter((n) => n !== kept.name));
    await agent.editConfig(req({ sad: [other('x4', 0x1001), other('x5', many[4]!.spi)] }), ADMIN);
    // …but not the SPI of the entry it kept.
    await expect(agent.editConfig(req({ sad: [other('x6', kept.spi)] }), ADMIN)).rejects.toThrow(/already used by sad-entry/);
  });

  it('names the first clash in configuration order when several entries of an edit clash', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad }), ADMIN);
    const a = { ...t.sad[0]!, name: 'a', spi: 0x9001 };
    const b = { ...t.sad[0]!, name: 'b', spi: 0x9002 };
    await agent.editConfig(req({ sad: [a, b] }), ADMIN);
    // `a` (installed before `b`) moves to b's SPI while `b` stays: b is found second, so b is named.
    await expect(agent.editConfig(req({ sad: [{ ...a, spi: 0x9002 }] }), ADMIN)).rejects.toThrow(`SPI 0x9002 of sad-entry 'b' is already used by sad-entry 'a'`);
  });

  it('keeps configuration order: changed entries reach the data path in it, new ones after, deletions in running order', async () => {
    const mk = (name: string, spi: number, s = secret) => ({ ...sadEntry('o', SITE_A, SITE_B, spi, { secret: s }), name });
    await agent.editConfig(req({ sad: [mk('a', 0x101), mk('b', 0x102), mk('c', 0x103)] }), ADMIN);
    const other = new Uint8Array(randomBytes(32));
    await agent.editConfig(req({ sad: [mk('c', 0x103, other), mk('d', 0x104), mk('a', 0x101, other)] }), ADMIN);
    const dp = backend.edits.at(-1)!;
    expect(names(dp.addSa)).toEqual(['a', 'c', 'd']);
    expect(dp.deleteSa).toEqual(['a', 'c']);
    expect(names(cfgOf(agent.getConfig('running', undefined, ADMIN)).sad)).toEqual(['a', 'b', 'c', 'd']);
    // Deleted and written again in one request (two roots): it moves to the end.
    const del = serializeXml(ikelessEditToXml(edit({ deleteSad: ['a'] }), { withKeys: true }));
    const add = serializeXml(ikelessEditToXml(edit({ sad: [mk('a', 0x101)] }), { withKeys: true }));
    await agent.editConfig({ ...req({}), config: [parseXml(del), parseXml(add)] }, ADMIN);
    expect(names(cfgOf(agent.getConfig('running', undefined, ADMIN)).sad)).toEqual(['b', 'c', 'd', 'a']);
    // A replaced table takes the edit's order.
    await agent.editConfig(req({ sad: [mk('d', 0x104), mk('b', 0x102)] }, { defaultOperation: 'replace' }), ADMIN);
    expect(names(cfgOf(agent.getConfig('running', undefined, ADMIN)).sad)).toEqual(['d', 'b']);
  });

  it('a failed data path apply leaves the SAD, its SPIs and the data path as they were; the edit can be retried', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    const many = await installMany(20, 0x10000);
    const before = serializeXml(agent.getConfig('running', undefined, ADMIN)[0]!);
    const installedBefore = new Map(backend.installed);
    const fresh = tunnelConfig('t9', SITE_A, SITE_B, { spiOut: 0x9001, spiIn: 0x9002, master: true, secret }).sad;
    const rekeyed = { ...many[4]!, spi: 0x9003 }; // outbound, as fresh[0]
    backend.failApply = new Error('worker said no');
    const failing = () => req({ sad: [...fresh, rekeyed], deleteSad: [many[6]!.name] });
    await expect(agent.editConfig(failing(), ADMIN)).rejects.toThrow('worker said no');
    expect(serializeXml(agent.getConfig('running', undefined, ADMIN)[0]!)).toBe(before);
    expect(backend.installed).toEqual(installedBefore);
    // The SPIs the failed edit would have freed are still taken (many[6] is outbound, as fresh[0]).
    await expect(agent.editConfig(req({ sad: [{ ...fresh[0]!, name: 'y', spi: many[6]!.spi }] }), ADMIN)).rejects.toThrow(`already used by sad-entry '${many[6]!.name}'`);
    backend.failApply = undefined;
    await agent.editConfig(failing(), ADMIN);
    expect(sadNames(agent.getConfig('running', undefined, ADMIN))).toHaveLength(2 + 40 + 2 - 1);
    await expect(agent.editConfig(req({ sad: [{ ...fresh[0]!, name: 'z', spi: 0x9003 }] }), ADMIN)).rejects.toThrow(`sad-entry '${rekeyed.name}'`);
  });

  it('sets routes when the SPD changes, not for an edit of SAs only, and again after routes could not be put back', async () => {
    const t = t1();
    await agent.editConfig(req({ sad: t.sad, spd: t.spd }), ADMIN);
    expect(backend.routeSyncs).toEqual([[SITE_B.lan]]);
    await installMany(3, 0x10000);
    expect(backend.routeSyncs).toHaveLength(1);
    // A route change that fails, and whose rollback fails too: the routes' state is unknown.
    backend.failRoutes = new Error('ip failed');
    const c = { name: 'c', tunnel: '198.51.100.3', lan: '10.3.0.0/24' };
    const other = tunnelConfig('t2', SITE_A, c, { spiOut: 0x3001, spiIn: 0x3002, master: true, secret });
    await expect(agent.editConfig(req({ sad: other.sad, spd: other.spd }), ADMIN)).rejects.toMatchObject({ tag: 'operation-failed' });
    backend.failRoutes = undefined;
    const syncs = backend.routeSyncs.length;
    await installMany(1, 0x20000);
    expect(backend.routeSyncs).toHaveLength(syncs + 1);
    expect(backend.routeSyncs.at(-1)).toEqual([SITE_B.lan]);
    await installMany(1, 0x30000);
    expect(backend.routeSyncs).toHaveLength(syncs + 1);
  });

  it('refuses foreign namespaces and malformed ikeless content', async () => {
    await expect(agent.editConfig(req(`<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>`), ADMIN)).rejects.toMatchObject({ tag: 'unknown-namespace' });
    await expect(agent.editConfig(req(`<ipsec-ikeless xmlns="${IKELESS_NS}"><sad><sad-entry><name>x</name><spi>zero</spi></sad-entry></sad></ipsec-ikeless>`), ADMIN)).rejects.toThrow();
    // A <config> with no content changes nothing.
    await agent.editConfig({ ...req({}), config: [] }, ADMIN);
    expect(backend.routeSyncs).toEqual([[]]);
    expect(NETCONF_NS).toBe('urn:ietf:params:xml:ns:netconf:base:1.0');
  });
});
