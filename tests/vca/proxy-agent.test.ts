/**
 * The Proxy Agent (vca/proxy-agent.ts) with a real QKD link and two real
 * Hybridization Modules (ETSI GS QKD 004 over TCP), one Proxy Agent per
 * domain, and fake router sessions that capture the NETCONF edit-config
 * XML. Every captured edit is validated with yanglint (RFC 9061 +
 * ietf-netconf, `-t edit`). A scripted 004 server plays a faulty HM.
 */
import { randomUUID } from 'node:crypto';
import { hkdfSync } from 'node:crypto';
import { addLogSink, ConflictError, NotFoundError, ProtocolError, ValidationError, type LogRecord } from '../../common/index.js';
import { ikelessEditFromXml, ipsecConfigToJson, type IkelessConfig, type IkelessEdit } from '../../common/ikeless/index.js';
import { parseXml, serializeXml, type XmlInput } from '../../common/netconf/index.js';
import { Etsi004Client, Etsi004Server, Etsi004StatusError, type Etsi004Handler } from '../../qkd/index.js';
import { ProxyAgent } from '../../vca/proxy-agent.js';
import type { RouterSessions } from '../../vca/router-sessions.js';
import type { ApplyIpsecRequest, KeyBinding, KeyIds, ObtainKeyRequest } from '../../vca/index.js';
import { NODE_A, NODE_B, hybridUri, quietLogs, startDomains, type Domains } from '../qkd/helpers.js';
import { yanglint } from '../common/ikeless/yanglint.js';
import { SITE_A, SITE_B, findKey, tunnelConfig, type Suite } from '../virtual-router/tunnel-fixtures.js';

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Captures what the agent sends to routers; can be told to fail. */
class FakeRouters {
  readonly sent: { instanceId: string; vnfId: string; target: string; xml: string }[] = [];
  fail: Error | undefined;
  get(instanceId: string, vnfId: string) {
    return {
      editConfig: async (target: string, config: XmlInput): Promise<void> => {
        if (this.fail) throw this.fail;
        // The agent sends the element tree; what goes on the wire is its serialisation.
        this.sent.push({ instanceId, vnfId, target, xml: typeof config === 'string' ? config : config.map((e) => serializeXml(e)).join('') });
      },
    };
  }
  asSessions(): RouterSessions {
    return this as unknown as RouterSessions;
  }
}

/** The agent's held secrets (test-only view of a private field). */
function held(agent: ProxyAgent): Map<string, { secret: Uint8Array; ids: KeyIds }> {
  return (agent as unknown as { keys: Map<string, { secret: Uint8Array; ids: KeyIds }> }).keys;
}

/** The agent's idle ETSI 004 connections to its HM (test-only view of a private field). */
function idle(agent: ProxyAgent): Etsi004Client[] {
  return (agent as unknown as { idle: Etsi004Client[] }).idle;
}

/** Decode a captured edit (keys included) after yanglint accepted it. */
function decodeEdit(xml: string): IkelessEdit {
  yanglint('edit', xml, 'xml');
  return ikelessEditFromXml(parseXml(xml));
}

const hkdf = (secret: Uint8Array, label: string, n: number): string => Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), Buffer.from(label), n)).toString('hex');

describe('ProxyAgent with a QKD link and two Hybridization Modules', () => {
  let d: Domains;
  let routersA: FakeRouters;
  let routersB: FakeRouters;
  let agentA: ProxyAgent;
  let agentB: ProxyAgent;
  const logs: LogRecord[] = [];
  let removeSink: () => void;
  const instanceId = randomUUID();

  beforeAll(async () => {
    quietLogs();
    removeSink = addLogSink((r) => logs.push(r));
    d = await startDomains({ prefill: 40 });
    routersA = new FakeRouters();
    routersB = new FakeRouters();
    agentA = new ProxyAgent({ host: '127.0.0.1', port: d.hmA.port }, routersA.asSessions());
    agentB = new ProxyAgent({ host: '127.0.0.1', port: d.hmB.port }, routersB.asSessions());
  });
  afterAll(async () => {
    removeSink();
    await Promise.all([agentA.close(), agentB.close()]);
    await d.stop();
  });

  const first = (tunnelId: string, chunk = 32): ObtainKeyRequest => ({
    instanceId,
    tunnelId,
    source: hybridUri(tunnelId, NODE_A),
    destination: hybridUri(tunnelId, NODE_B),
    keyChunkSize: chunk,
  });
  const second = (tunnelId: string, ids: KeyIds, chunk = 32): ObtainKeyRequest => ({
    instanceId,
    tunnelId,
    source: hybridUri(tunnelId, NODE_B),
    destination: hybridUri(tunnelId, NODE_A),
    keyChunkSize: chunk,
    ids,
  });

  /** Obtain a tunnel key at both ends; returns the ids each end reported. */
  async function keyBoth(tunnelId: string): Promise<{ a: KeyIds; b: KeyIds }> {
    const a = await agentA.obtainKey(first(tunnelId));
    const b = await agentB.obtainKey(second(tunnelId, a));
    return { a, b };
  }

  /** The request the controller would send for `me`'s side of a tunnel (no keys). */
  function applyRequest(vnfId: string, tunnelId: string, config: IkelessConfig, master: boolean, suite: Suite = 'gcm256'): ApplyIpsecRequest {
    const keyLengthBits = suite === 'gcm128' ? 128 : 256;
    const keyBindings: KeyBinding[] = config.sad.map((e, i) => ({
      sadName: e.name,
      tunnelId,
      // tunnelConfig lists the outgoing SA first.
      direction: (i === 0) === master ? 'out' : 'in',
      keyLengthBits,
    }));
    return { instanceId, vnfId, ikeless: ipsecConfigToJson(config, { withKeys: false }), keyBindings };
  }

  it('keys over one kept ETSI 004 connection to its HM, and over a new one once that one is closed', async () => {
    await keyBoth('t-conn-1');
    expect(idle(agentA)).toHaveLength(1);
    const kept = idle(agentA)[0]!;
    expect(kept.usable).toBe(true);
    await keyBoth('t-conn-2');
    expect(idle(agentA)).toEqual([kept]);
    // The HM side going away (here: the connection closed) costs nothing but a new connection.
    await kept.end();
    expect(kept.usable).toBe(false);
    const { a, b } = await keyBoth('t-conn-3');
    expect(b).toEqual(a);
    expect(idle(agentA)).toHaveLength(1);
    expect(idle(agentA)[0]).not.toBe(kept);
    for (const t of ['t-conn-1', 't-conn-2', 't-conn-3']) for (const agent of [agentA, agentB]) agent.releaseKey(instanceId, t);
  });

  it('obtainKeys: several tunnels in one call, each item settled on its own; releaseKeys zeroes them', async () => {
    const names = ['t-many-1', 't-many-2', 't-many-3'];
    const strip = ({ instanceId: _i, ...k }: ObtainKeyRequest) => k;
    const bad = { ...strip(first('t-many-bad')), destination: 'hybrid://t-many-bad@not-a-node?hybridization=kdf&key_sources=ML-KEM-512,QKD' };
    const masters = await agentA.obtainKeys({ instanceId, keys: [...names.map((n) => strip(first(n))), bad] });
    expect(masters).toHaveLength(4);
    // The four keys' requests were pipelined on one 004 connection, kept for the next call.
    expect(idle(agentA)).toHaveLength(1);
    expect(masters[3]).toEqual({ error: { code: expect.any(String), message: expect.stringMatching(/.+/) } });
    const ids = masters.slice(0, 3).map((r) => ('ids' in r ? r.ids : undefined));
    expect(ids.every((x) => x !== undefined)).toBe(true);
    const peers = await agentB.obtainKeys({ instanceId, keys: names.map((n, i) => strip(second(n, ids[i]!))) });
    expect(peers.map((r) => ('ids' in r ? r.ids : r))).toEqual(ids);
    expect(idle(agentB)).toHaveLength(1);
    for (const n of names) expect(hex(held(agentA).get(`${instanceId}/${n}`)!.secret)).toBe(hex(held(agentB).get(`${instanceId}/${n}`)!.secret));
    const secrets = names.map((n) => held(agentA).get(`${instanceId}/${n}`)!.secret);
    expect(agentA.releaseKeys(instanceId, [...names, 't-never-keyed'])).toBe(3);
    expect(agentB.releaseKeys(instanceId, names)).toBe(3);
    for (const sec of secrets) expect(sec.every((b) => b === 0)).toBe(true);
    await expect(agentA.obtainKeys({ instanceId, keys: 'no' as unknown as [] })).rejects.toThrow(/keys must be a list of at most 256/);
  });

  it('first end: a new key stream, ids only; second end: the same ids and the same secret', async () => {
    const a = await agentA.obtainKey(first('t-ids'));
    expect(Object.keys(a).sort()).toEqual(['combiner', 'degraded', 'index', 'kem', 'keyStreamId', 'qkdKeyIds']);
    expect(a).toMatchObject({ keyStreamId: expect.stringMatching(UUID_RE), index: 0, kem: 'ML-KEM-512', combiner: 'kdf', degraded: false });
    expect(a.qkdKeyIds).toEqual([expect.stringMatching(UUID_RE)]);
    const b = await agentB.obtainKey(second('t-ids', a));
    expect(b).toEqual(a);
    const sa = held(agentA).get(`${instanceId}/t-ids`)!.secret;
    const sb = held(agentB).get(`${instanceId}/t-ids`)!.secret;
    expect(sa).toHaveLength(32);
    expect(hex(sa)).toBe(hex(sb));
    expect(hex(sa)).not.toBe('00'.repeat(32));
    // Nothing the agent returns carries key bytes.
    expect(findKey(JSON.stringify([a, b]), [sa])).toBeUndefined();
    // A second tunnel gets a different stream and a different secret.
    const other = await keyBoth('t-ids-2');
    expect(other.a.keyStreamId).not.toBe(a.keyStreamId);
    expect(other.a.qkdKeyIds).not.toEqual(a.qkdKeyIds);
    expect(hex(held(agentA).get(`${instanceId}/t-ids-2`)!.secret)).not.toBe(hex(sa));
  });

  it('refuses a second key for a tunnel it already holds (ConflictError), until released', async () => {
    await keyBoth('t-dup');
    await expect(agentA.obtainKey(first('t-dup'))).rejects.toThrow(ConflictError);
    expect(agentA.releaseKey(instanceId, 't-dup')).toBe(true);
    expect(agentA.releaseKey(instanceId, 't-dup')).toBe(false);
    await expect(agentA.obtainKey(first('t-dup'))).resolves.toMatchObject({ index: 0 });
  });

  it('refuses concurrent requests for the same tunnel instead of overwriting a held secret', async () => {
    const results = await Promise.allSettled([agentA.obtainKey(first('t-race')), agentA.obtainKey(first('t-race'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConflictError);
    expect(held(agentA).has(`${instanceId}/t-race`)).toBe(true);
  });

  it('refuses a second end whose relayed qkdKeyIds differ from what the HM used', async () => {
    const a = await agentA.obtainKey(first('t-wrong'));
    const forged: KeyIds = { ...a, qkdKeyIds: [randomUUID()] };
    const err = await agentB.obtainKey(second('t-wrong', forged)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(new RegExp(`tunnel t-wrong: the Hybridization Module used QKD keys ${a.qkdKeyIds[0]} but the NFVO relayed ${forged.qkdKeyIds[0]}`));
    expect(held(agentB).has(`${instanceId}/t-wrong`)).toBe(false);
    // And nothing can be applied with that tunnel at B.
    const cfg = tunnelConfig('t-wrong', SITE_B, SITE_A, { spiOut: 0x3001, spiIn: 0x3002, master: false });
    await expect(agentB.applyIpsec(applyRequest('site-b', 't-wrong', cfg, false))).rejects.toThrow(NotFoundError);
  });

  it('refuses an unknown key stream id at the second end', async () => {
    const a = await agentA.obtainKey(first('t-unknown'));
    await expect(agentB.obtainKey(second('t-unknown', { ...a, keyStreamId: randomUUID() }))).rejects.toThrow(Etsi004StatusError);
    expect(held(agentB).has(`${instanceId}/t-unknown`)).toBe(false);
  });

  it.each(['gcm256', 'gcm128', 'cbc256'] as const)('applyIpsec (%s): yanglint-valid edits, right key lengths, same bytes at both ends', async (suite) => {
    const tunnelId = `t-apply-${suite}`;
    await keyBoth(tunnelId);
    const secret = Uint8Array.from(held(agentA).get(`${instanceId}/${tunnelId}`)!.secret);
    const cfgA = tunnelConfig(tunnelId, SITE_A, SITE_B, { spiOut: 0x1001, spiIn: 0x2002, master: true, suite });
    const cfgB = tunnelConfig(tunnelId, SITE_B, SITE_A, { spiOut: 0x2002, spiIn: 0x1001, master: false, suite });
    routersA.sent.length = 0;
    routersB.sent.length = 0;
    expect(await agentA.applyIpsec(applyRequest('site-a', tunnelId, cfgA, true, suite))).toBe(4);
    expect(await agentB.applyIpsec(applyRequest('site-b', tunnelId, cfgB, false, suite))).toBe(4);
    expect(routersA.sent.map((s) => [s.instanceId, s.vnfId, s.target])).toEqual([[instanceId, 'site-a', 'running']]);
    expect(routersB.sent.map((s) => [s.vnfId, s.target])).toEqual([['site-b', 'running']]);
    const editA = decodeEdit(routersA.sent[0]!.xml);
    const editB = decodeEdit(routersB.sent[0]!.xml);
    expect(editA.sad.map((e) => e.name).sort()).toEqual(cfgA.sad.map((e) => e.name).sort());
    expect(editA.spd.map((e) => e.name).sort()).toEqual(cfgA.spd.map((e) => e.name).sort());

    const keyBytes = suite === 'gcm128' ? 16 : 32;
    const gcm = suite !== 'cbc256';
    for (const sa of editA.sad) {
      const peer = editB.sad.find((e) => e.name === sa.name)!;
      expect(peer).toBeDefined();
      // Same SA → same bytes at both ends.
      expect(hex(peer.espSa.encryption.key!)).toBe(hex(sa.espSa.encryption.key!));
      expect(sa.espSa.encryption.key).toHaveLength(gcm ? keyBytes + 4 : keyBytes);
      if (gcm) expect(sa.espSa.integrity.key).toBeUndefined();
      else {
        expect(sa.espSa.integrity.key).toHaveLength(32);
        expect(hex(peer.espSa.integrity.key!)).toBe(hex(sa.espSa.integrity.key!));
      }
      // The master's outgoing SA (a → b) uses "out", its incoming one "in".
      const dir = sa.tunnel!.local === SITE_A.tunnel ? 'out' : 'in';
      const expected = gcm ? hkdf(secret, `qnfv esp enc ${dir}`, keyBytes) + hkdf(secret, `qnfv esp salt ${dir}`, 4) : hkdf(secret, `qnfv esp enc ${dir}`, keyBytes);
      expect(hex(sa.espSa.encryption.key!)).toBe(expected);
      if (!gcm) expect(hex(sa.espSa.integrity.key!)).toBe(hkdf(secret, `qnfv esp integ ${dir}`, 32));
      expect(sa.espSa.encryption.iv).toBeUndefined();
    }
    // in ≠ out.
    expect(hex(editA.sad[0]!.espSa.encryption.key!)).not.toBe(hex(editA.sad[1]!.espSa.encryption.key!));
    // The request's entries were not modified; no key leaked into what the caller passed.
    expect(findKey(JSON.stringify(applyRequest('site-a', tunnelId, cfgA, true, suite)), [secret])).toBeUndefined();
  });

  it('deletes produce nc:operation="delete" (yanglint-valid), and need no key', async () => {
    routersA.sent.length = 0;
    const names = tunnelConfig('t-del', SITE_A, SITE_B, { spiOut: 0x4001, spiIn: 0x4002, master: true });
    const n = await agentA.applyIpsec({
      instanceId,
      vnfId: 'site-a',
      ikeless: null,
      keyBindings: [],
      deleteSad: names.sad.map((e) => e.name),
      deleteSpd: names.spd.map((e) => e.name),
    });
    expect(n).toBe(4);
    const xml = routersA.sent[0]!.xml;
    expect(xml).toMatch(/<(\w+:)?sad-entry [^>]*(\w+):operation="delete"/);
    const edit = decodeEdit(xml);
    expect(edit.deleteSad.sort()).toEqual(names.sad.map((e) => e.name).sort());
    expect(edit.deleteSpd.sort()).toEqual(names.spd.map((e) => e.name).sort());
    expect(edit.sad).toEqual([]);
    expect([...edit.operations!.sad.values()]).toEqual(['delete', 'delete']);
    // A rekey in one edit: new SAs written, old ones deleted.
    await keyBoth('t-rekey');
    const fresh = tunnelConfig('t-rekey', SITE_A, SITE_B, { spiOut: 0x4101, spiIn: 0x4102, master: true });
    routersA.sent.length = 0;
    await agentA.applyIpsec({ ...applyRequest('site-a', 't-rekey', fresh, true), deleteSad: names.sad.map((e) => e.name) });
    const rekey = decodeEdit(routersA.sent[0]!.xml);
    expect(rekey.sad.map((e) => e.name)).toEqual(fresh.sad.map((e) => e.name));
    expect(rekey.deleteSad).toEqual(names.sad.map((e) => e.name));
  });

  it('refuses SAD entries that arrive with key material, sending nothing', async () => {
    await keyBoth('t-keyed');
    const cfg = tunnelConfig('t-keyed', SITE_A, SITE_B, { spiOut: 0x5001, spiIn: 0x5002, master: true });
    routersA.sent.length = 0;
    const withEnc = applyRequest('site-a', 't-keyed', cfg, true);
    const keyed = structuredClone(cfg);
    keyed.sad[1]!.espSa.encryption.key = new Uint8Array(36).fill(7);
    withEnc.ikeless = ipsecConfigToJson(keyed, { withKeys: true });
    await expect(agentA.applyIpsec(withEnc)).rejects.toThrow(/arrived with key material: the controller must never send keys/);
    const cbc = tunnelConfig('t-keyed', SITE_A, SITE_B, { spiOut: 0x5001, spiIn: 0x5002, master: true, suite: 'cbc256' });
    cbc.sad[0]!.espSa.integrity.key = new Uint8Array(32).fill(9);
    const withInteg = { ...applyRequest('site-a', 't-keyed', cbc, true), ikeless: ipsecConfigToJson(cbc, { withKeys: true }) };
    await expect(agentA.applyIpsec(withInteg)).rejects.toThrow(ValidationError);
    expect(routersA.sent).toEqual([]);
  });

  it('refuses missing bindings, unknown tunnels and bad binding values, sending nothing', async () => {
    await keyBoth('t-bind');
    const cfg = tunnelConfig('t-bind', SITE_A, SITE_B, { spiOut: 0x6001, spiIn: 0x6002, master: true });
    routersA.sent.length = 0;
    const req = applyRequest('site-a', 't-bind', cfg, true);
    await expect(agentA.applyIpsec({ ...req, keyBindings: req.keyBindings.slice(1) })).rejects.toThrow(`no key binding for SAD entry ${cfg.sad[0]!.name}`);
    await expect(agentA.applyIpsec({ ...req, keyBindings: req.keyBindings.map((b) => ({ ...b, tunnelId: 'nope' })) })).rejects.toThrow(NotFoundError);
    await expect(agentA.applyIpsec({ ...req, instanceId: 'other-instance' })).rejects.toThrow(NotFoundError);
    await expect(agentA.applyIpsec({ ...req, keyBindings: req.keyBindings.map((b) => ({ ...b, keyLengthBits: 192 })) })).rejects.toThrow(/key length 192/);
    await expect(agentA.applyIpsec({ ...req, keyBindings: req.keyBindings.map((b) => ({ ...b, direction: 'both' as 'in' })) })).rejects.toThrow(/direction 'both'/);
    await expect(agentA.applyIpsec({ ...req, ikeless: { 'ietf-i2nsf-ikeless:ipsec-ikeless': { sad: { 'sad-entry': [{ name: 'x' }] } } } })).rejects.toThrow(ValidationError);
    await expect(agentA.applyIpsec({ ...req, keyBindings: undefined as unknown as KeyBinding[] })).rejects.toThrow('applyIpsec: keyBindings must be a list');
    await expect(agentA.applyIpsec({ ...req, deleteSad: 'x' as unknown as string[] })).rejects.toThrow('applyIpsec: deleteSad must be a list of entry names');
    await expect(agentA.applyIpsec({ ...req, deleteSpd: [1] as unknown as string[] })).rejects.toThrow(ValidationError);
    expect(routersA.sent).toEqual([]);
  });

  it('zeroes the derived keys after pushing them, also when the router refuses the edit', async () => {
    await keyBoth('t-zero');
    const cfg = tunnelConfig('t-zero', SITE_A, SITE_B, { spiOut: 0x7001, spiIn: 0x7002, master: true });
    for (const refuse of [false, true]) {
      routersA.sent.length = 0;
      routersA.fail = refuse ? new ProtocolError('rpc-error: invalid-value') : undefined;
      // Record every array zero-filled while the agent works, with what it held before.
      const zeroed: { arr: Uint8Array; before: string }[] = [];
      let pushed: string[] = [];
      const origFill = Uint8Array.prototype.fill;
      const origEdit = routersA.get.bind(routersA);
      routersA.get = (i, v) => ({
        editConfig: async (t, x) => {
          pushed = decodeEdit(typeof x === 'string' ? x : x.map((e) => serializeXml(e)).join('')).sad.map((e) => hex(e.espSa.encryption.key!));
          return origEdit(i, v).editConfig(t, x);
        },
      });
      Uint8Array.prototype.fill = function (this: Uint8Array, ...args: Parameters<Uint8Array['fill']>) {
        if (args[0] === 0) zeroed.push({ arr: this, before: hex(this) });
        return origFill.apply(this, args);
      } as Uint8Array['fill'];
      try {
        const run = agentA.applyIpsec(applyRequest('site-a', 't-zero', cfg, true));
        if (refuse) await expect(run).rejects.toThrow(/invalid-value/);
        else await expect(run).resolves.toBe(4);
      } finally {
        Uint8Array.prototype.fill = origFill;
        routersA.get = origEdit;
        routersA.fail = undefined;
      }
      expect(pushed).toHaveLength(2);
      // The very arrays that held the pushed keys are all zero now.
      for (const k of pushed) {
        const z = zeroed.find((e) => e.before === k);
        expect(z).toBeDefined();
        expect(z!.arr.every((b) => b === 0)).toBe(true);
      }
    }
    // The held secret itself stays usable for the other end's edits until released.
    expect(held(agentA).get(`${instanceId}/t-zero`)!.secret.some((b) => b !== 0)).toBe(true);
  });

  it('releaseKey zeroes the held secret; releaseInstance zeroes them all', async () => {
    await keyBoth('t-rel-1');
    await keyBoth('t-rel-2');
    const s1 = held(agentA).get(`${instanceId}/t-rel-1`)!.secret;
    const s2 = held(agentA).get(`${instanceId}/t-rel-2`)!.secret;
    expect(s1.some((b) => b !== 0)).toBe(true);
    expect(agentA.releaseKey(instanceId, 't-rel-1')).toBe(true);
    expect(s1.every((b) => b === 0)).toBe(true);
    expect(s2.some((b) => b !== 0)).toBe(true);
    expect(agentA.releaseKey(instanceId, 't-rel-1')).toBe(false);

    const otherInstance = `${instanceId}-x`;
    const keep = await agentA.obtainKey({ ...first('t-rel-other'), instanceId: otherInstance });
    expect(keep.index).toBe(0);
    const heldBefore = [...held(agentA).entries()].filter(([k]) => k.startsWith(`${instanceId}/`)).map(([, v]) => v.secret);
    agentA.releaseInstance(instanceId);
    agentB.releaseInstance(instanceId);
    for (const s of heldBefore) expect(s.every((b) => b === 0)).toBe(true);
    expect([...held(agentA).keys()].filter((k) => k.startsWith(`${instanceId}/`))).toEqual([]);
    expect([...held(agentB).keys()]).toEqual([]);
    // Another instance whose id starts with this one's is untouched.
    expect(held(agentA).get(`${otherInstance}/t-rel-other`)!.secret.some((b) => b !== 0)).toBe(true);
    agentA.releaseInstance(otherInstance);
  });

  it('logs ids, never key bytes', async () => {
    logs.length = 0;
    const { a } = await keyBoth('t-logs');
    const secret = Uint8Array.from(held(agentA).get(`${instanceId}/t-logs`)!.secret);
    const cfgA = tunnelConfig('t-logs', SITE_A, SITE_B, { spiOut: 0x8001, spiIn: 0x8002, master: true });
    routersA.sent.length = 0;
    await agentA.applyIpsec(applyRequest('site-a', 't-logs', cfgA, true));
    const pushed = decodeEdit(routersA.sent[0]!.xml).sad.flatMap((e) => [e.espSa.encryption.key!]);
    // A failing edit logs too.
    routersA.fail = new ProtocolError('router said no');
    await expect(agentA.applyIpsec(applyRequest('site-a', 't-logs', cfgA, true))).rejects.toThrow('router said no');
    routersA.fail = undefined;
    agentA.releaseKey(instanceId, 't-logs');
    const text = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(0);
    expect(text).toContain(a.keyStreamId);
    expect(text).toContain(a.qkdKeyIds[0]);
    expect(findKey(text, [secret, ...pushed])).toBeUndefined();
  });
});

describe('ProxyAgent against a faulty Hybridization Module', () => {
  let server: Etsi004Server;
  let behaviour: (ksid: string, index: number) => { key: string; metadata?: { size: number; buffer: string } };
  const closed: string[] = [];
  const handler: Etsi004Handler = {
    openConnect: (req) => ({ status: 0, key_stream_id: req.key_stream_id ?? randomUUID(), qos: req.qos }),
    getKey: (req) => {
      const r = behaviour(req.key_stream_id, req.index);
      return { status: 0, index: req.index, key_buffer: r.key, metadata: r.metadata };
    },
    close: (req) => {
      closed.push(req.key_stream_id);
      return { status: 0 };
    },
  };
  const md = (o: object) => {
    const buffer = JSON.stringify(o);
    return { size: buffer.length, buffer };
  };
  const req = (tunnelId: string): ObtainKeyRequest => ({ instanceId: 'i', tunnelId, source: hybridUri('x', NODE_A), destination: hybridUri('x', NODE_B), keyChunkSize: 32 });

  beforeAll(async () => {
    quietLogs();
    server = await Etsi004Server.start({ handler });
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each([
    ['no metadata', () => ({ key: 'ab'.repeat(32) }), /sent no metadata/],
    ['metadata that is not JSON', () => ({ key: 'ab'.repeat(32), metadata: { size: 3, buffer: '{{{' } }), /metadata is not JSON/],
    ['metadata of another stream', (_k: string, i: number) => ({ key: 'ab'.repeat(32), metadata: md({ key_stream_id: randomUUID(), index: i }) }), /metadata names stream/],
    ['a short key', (k: string, i: number) => ({ key: 'ab'.repeat(16), metadata: md({ key_stream_id: k, index: i, qkd_key_ids: ['q'] }) }), /returned 16 bytes for tunnel .*, expected 32/],
  ] as const)('refuses %s, holds nothing and closes the stream', async (_name, b, msg) => {
    behaviour = b;
    closed.length = 0;
    const agent = new ProxyAgent({ host: '127.0.0.1', port: server.port }, new FakeRouters().asSessions());
    await expect(agent.obtainKey(req('t'))).rejects.toThrow(msg);
    expect(held(agent).size).toBe(0);
    expect(closed).toHaveLength(1);
  });

  it('accepts a well-formed answer with defaults for missing id fields', async () => {
    behaviour = (k, i) => ({ key: 'cd'.repeat(32), metadata: md({ key_stream_id: k, index: i }) });
    const agent = new ProxyAgent({ host: '127.0.0.1', port: server.port }, new FakeRouters().asSessions());
    const ids = await agent.obtainKey(req('t'));
    expect(ids).toMatchObject({ index: 0, qkdKeyIds: [], kem: null, combiner: 'unknown', degraded: false });
    expect(hex(held(agent).get('i/t')!.secret)).toBe('cd'.repeat(32));
  });

  it('reports an HM that cannot be reached', async () => {
    const agent = new ProxyAgent({ host: '127.0.0.1', port: 1 }, new FakeRouters().asSessions());
    await expect(agent.obtainKey(req('t'))).rejects.toThrow();
    expect(held(agent).size).toBe(0);
  });
});
