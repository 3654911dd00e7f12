// Runs one scenario of the router's Datapath (the compiled dist/virtual-router/datapath/datapath.js)
// inside a test namespace and prints one JSON line with what happened.
// Usage: node datapath-scenarios.mjs <dist-root> <scenario>
import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const [distRoot, scenario] = process.argv.slice(2);
const { Datapath } = await import(pathToFileURL(join(distRoot, 'virtual-router', 'datapath', 'datapath.js')).href);
const { configureLogging } = await import(pathToFileURL(join(distRoot, 'common', 'index.js')).href);
const { EspEngine, PacketBatch, Verdict } = await import(pathToFileURL(join(distRoot, 'virtual-router', 'esp', 'index.js')).href);
const { openTun } = await import(pathToFileURL(join(distRoot, 'virtual-router', 'tun', 'index.js')).href);
configureLogging({ console: false });

const LOCAL = '198.51.100.1';
const key = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);

/** A tunnel-mode AES-GCM-256 SAD entry; `remote` = the SA's destination gateway. */
function sa(name, spi, { local = LOCAL, remote = '198.51.100.2', keyLen = 36, soft, hard } = {}) {
  return {
    name,
    reqid: BigInt(spi),
    spi,
    extSeqNum: false,
    seqOverflow: false,
    antiReplayWindowSize: 64,
    trafficSelector: { localPrefix: '10.1.0.0/24', remotePrefix: '10.2.0.0/24', innerProtocol: 'any' },
    protocolParameters: 'esp',
    mode: 'tunnel',
    espSa: { encryption: { algorithm: 20, key: key(keyLen, spi) }, integrity: { algorithm: 0 } },
    lifetimeHard: hard ?? { time: 3600 },
    lifetimeSoft: soft ?? { time: 3000, action: 'replace' },
    tunnel: { local, remote },
  };
}

function policy(name, reqid) {
  return {
    name,
    direction: 'outbound',
    reqid,
    antiReplayWindowSize: 64,
    trafficSelector: { localPrefix: '10.1.0.0/24', remotePrefix: '10.2.0.0/24', innerProtocol: 'any' },
    action: 'protect',
    saCfg: {
      pfpFlag: false, extSeqNum: false, seqOverflow: false, statefulFragCheck: false, mode: 'tunnel', protocolParameters: 'esp',
      integrity: [0], encryption: [{ id: 1, algorithmType: 20, keyLength: 256 }], tfcPad: false,
    },
  };
}

const PEER = '198.51.100.2';
const ip = (...args) => execFileSync('ip', args, { encoding: 'utf8' });

/** Run packets through an engine; returns the written results (copies) or drop reason codes. */
function through(engine, packets) {
  const batch = new PacketBatch({ size: Math.max(1, packets.length) });
  for (const p of packets) batch.push(p);
  engine.process(batch);
  return packets.map((_, i) => (batch.verdicts[i] === Verdict.Drop ? batch.reasons[i] : Buffer.from(batch.output(i))));
}

/** IPv4/UDP packet (UDP checksum 0: allowed over IPv4, RFC 768). */
function udp4(src, dst, sport, dport, payload) {
  const p = Buffer.alloc(28 + payload.length);
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p[8] = 64;
  p[9] = 17;
  src.split('.').forEach((o, i) => (p[12 + i] = Number(o)));
  dst.split('.').forEach((o, i) => (p[16 + i] = Number(o)));
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += p.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  p.writeUInt16BE(~sum & 0xffff, 10);
  p.writeUInt16BE(sport, 20);
  p.writeUInt16BE(dport, 22);
  p.writeUInt16BE(8 + payload.length, 24);
  payload.copy(p, 28);
  return p;
}

/**
 * Real traffic through the worker and the kernel, ESP or ESP-in-UDP (RFC 3948): the data path
 * owns TUN qtvdp2 with our tunnel address routed into it; the scenario plays the peer gateway on a
 * second TUN (qtvpeer, PEER routed into it) with its own engine, and the site host on
 * 10.1.0.1 (on lo). Inbound: ESP written into qtvpeer → kernel → data path → inner UDP to a
 * socket on 10.1.0.1. Outbound: a socket sends to 10.2.0.5 → data path → ESP read from qtvpeer.
 * Full-size inner packets (1400 bytes) and a NAT-keepalive are included.
 */
async function traffic(udpEncap) {
  ip('addr', 'replace', '10.1.0.1/32', 'dev', 'lo');
  execFileSync('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
  const dp = await Datapath.start('qtvdp2', [LOCAL], () => undefined);
  const peerTun = openTun('qtvpeer');
  const site = createSocket('udp4');
  try {
    ip('link', 'set', 'qtvdp2', 'mtu', '1400', 'up');
    ip('link', 'set', 'qtvpeer', 'up');
    // The tunnel address route carries the WAN MTU, so full-size ESP is not fragmented on its way in.
    ip('route', 'add', `${LOCAL}/32`, 'dev', 'qtvdp2', 'mtu', '1500');
    ip('route', 'add', '10.2.0.0/24', 'dev', 'qtvdp2');
    ip('route', 'add', `${PEER}/32`, 'dev', 'qtvpeer');
    const encap = udpEncap ? { encapsulationType: { espencap: 'espinudp', sport: 4500, dport: 4500 } } : {};
    const saOut = { ...sa('out', 0x1001), ...encap };
    const saIn = { ...sa('in', 0x2002, { local: PEER, remote: LOCAL }), ...encap, trafficSelector: { localPrefix: '10.2.0.0/24', remotePrefix: '10.1.0.0/24', innerProtocol: 'any' } };
    const peer = new EspEngine({ localAddresses: [PEER] });
    peer.addSa(saOut); // the engine copies the keys
    peer.addSa(saIn);
    peer.addPolicy({ ...policy('peer-out', 0x2002n), trafficSelector: { localPrefix: '10.2.0.0/24', remotePrefix: '10.1.0.0/24', innerProtocol: 'any' } });
    await dp.apply(edit({ addSa: [saOut, saIn], addPolicy: [policy('p-out', 0x1001n)] }));

    // Inbound: the peer encrypts two inner packets (small and full-size) and a keepalive arrives too.
    await new Promise((resolve) => site.bind(7000, '10.1.0.1', resolve));
    const got = [];
    site.on('message', (m) => got.push(m));
    const payloads = [Buffer.from('hello through the tunnel'), Buffer.alloc(1372, 0x5a)];
    const esp = through(peer, payloads.map((pl, i) => udp4('10.2.0.5', '10.1.0.1', 6000 + i, 7000, pl)));
    const keepalive = udp4(PEER, LOCAL, 4500, 4500, Buffer.from([0xff]));
    const bufs = [...esp, ...(udpEncap ? [keepalive] : [])];
    peerTun.write(bufs, new Uint32Array(bufs.length), Uint32Array.from(bufs, (b) => b.length), bufs.length);
    const t0 = Date.now();
    while (got.length < payloads.length && Date.now() - t0 < 3000) await sleep(20);
    out.inboundWire = esp.map((p) => ({ proto: p[9], dport: p[9] === 17 ? p.readUInt16BE(22) : null, len: p.length }));
    out.inboundDelivered = got.map((m, i) => m.equals(payloads[i]));

    // Outbound: the site sends to the remote LAN; the ESP comes out of the data path towards the peer.
    const slots = Array.from({ length: 8 }, () => Buffer.alloc(2048));
    const lens = new Uint32Array(8);
    for (const pl of payloads) await new Promise((resolve, reject) => site.send(pl, 7001, '10.2.0.5', (err) => (err ? reject(err) : resolve())));
    const seen = [];
    const t1 = Date.now();
    while (seen.length < payloads.length && Date.now() - t1 < 3000) {
      const n = peerTun.read(slots, 0, lens, 20);
      for (let i = 0; i < n; i++) seen.push(Buffer.from(slots[i].subarray(0, lens[i])));
      await sleep(0); // the read blocks this thread; let the event loop breathe
    }
    const esps = seen.filter((p) => p[9] === (udpEncap ? 17 : 50));
    out.outboundWire = esps.map((p) => ({ proto: p[9], sport: p[9] === 17 ? p.readUInt16BE(20) : null, dport: p[9] === 17 ? p.readUInt16BE(22) : null, chksum: p[9] === 17 ? p.readUInt16BE(26) : null }));
    const inner = through(peer, esps);
    out.outboundDecrypted = inner.map((p, i) => (typeof p === 'number' ? p : p.subarray(28).equals(payloads[i])));
    const st = await dp.state();
    out.counters = { encrypted: st.counters.encrypted, decrypted: st.counters.decrypted, notEsp: st.counters.drops['not-esp'] ?? 0 };
  } finally {
    site.close();
    peerTun.close();
    await dp.stop();
  }
}

const edit = (e) => ({ addSa: [], deleteSa: [], addPolicy: [], deletePolicy: [], ...e });
const names = async (dp) => (await dp.state()).sas.map((s) => `${s.name}:${s.direction}`).sort();
const errorOf = (p) => p.then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message }));
const ms = (t0) => Date.now() - t0;
const tunExists = (n) => existsSync(`/sys/class/net/${n}`);

const out = {};
const scenarios = {
  // A TUN name the kernel refuses: start rejects (does not hang).
  async 'bad-name'() {
    const t0 = Date.now();
    out.error = await errorOf(Datapath.start('bad/name', [LOCAL], () => undefined));
    out.ms = ms(t0);
  },
  // A persistent TUN already attached to one data path: a second one gets EBUSY.
  async busy() {
    execFileSync('ip', ['tuntap', 'add', 'dev', 'qtvbusy', 'mode', 'tun']);
    const first = await Datapath.start('qtvbusy', [LOCAL], () => undefined);
    const t0 = Date.now();
    out.error = await errorOf(Datapath.start('qtvbusy', [LOCAL], () => undefined));
    out.ms = ms(t0);
    out.firstStillWorks = (await first.state()).sas.length === 0;
    await first.stop();
    // Persistent: the device stays after the data path closed it.
    out.persistentStays = tunExists('qtvbusy');
  },
  // Edits are all-or-nothing in the worker; the caller's key bytes are not touched.
  async apply() {
    const dp = await Datapath.start('qtvdp0', [LOCAL], () => undefined);
    out.tunWhileRunning = tunExists('qtvdp0');
    const good = sa('out-1', 0x1001);
    const inbound = sa('in-1', 0x2002, { local: '198.51.100.2', remote: LOCAL });
    const bad = sa('bad', 0x3003, { keyLen: 35 });
    out.badEdit = await errorOf(dp.apply(edit({ addSa: [good, inbound, bad], addPolicy: [policy('p-out', 0x1001n)] })));
    out.afterBad = await names(dp);
    // A duplicate SPI in one direction is refused as well, after the first SA was added.
    out.dupEdit = await errorOf(dp.apply(edit({ addSa: [good, sa('out-dup', 0x1001)] })));
    out.afterDup = await names(dp);
    await dp.apply(edit({ addSa: [good, inbound], addPolicy: [policy('p-out', 0x1001n)] }));
    out.afterGood = await names(dp);
    out.callerKeyIntact = good.espSa.encryption.key.some((b) => b !== 0);
    const st = await dp.state();
    out.counters = st.counters;
    out.tunStats = st.tun;
    // Replace one SA under the same name, delete the other.
    await dp.apply(edit({ deleteSa: ['out-1', 'in-1'], addSa: [sa('out-1', 0x1001, { hard: { time: 7200 } })] }));
    out.afterReplace = await names(dp);
    await dp.apply(edit({ deleteSa: ['out-1'], deletePolicy: ['p-out'] }));
    out.afterDelete = await names(dp);
    // Deleting what is not there is no error for the worker (the agent checks names).
    out.deleteMissing = await errorOf(dp.apply(edit({ deleteSa: ['nope'], deletePolicy: ['nope'] })));
    // Many requests at once are answered in order.
    const many = await Promise.all(Array.from({ length: 50 }, () => dp.state()));
    out.many = many.length;
    const t0 = Date.now();
    await dp.stop();
    out.stopMs = ms(t0);
    out.tunAfterStop = tunExists('qtvdp0');
    out.doneCode = await dp.done;
    out.afterStop = await errorOf(dp.state());
    await dp.stop();
    out.secondStop = true;
  },
  'traffic-esp': () => traffic(false),
  'traffic-udp': () => traffic(true),
  // Lifetime events reach the main thread as RFC 9061 notifications.
  async notify() {
    const got = [];
    const dp = await Datapath.start('qtvdp1', [LOCAL], (n) => got.push({ ...n, at: Date.now() }));
    const t0 = Date.now();
    await dp.apply(edit({ addSa: [sa('short', 0x4004, { soft: { time: 1, action: 'replace' }, hard: { time: 2 } })] }));
    while (got.length < 2 && Date.now() - t0 < 6000) await sleep(50);
    out.notifications = got.map((n) => ({ type: n.type, sa: n.ipsecSaName, soft: n.softLifetimeExpire, after: n.at - t0 }));
    out.afterHard = await names(dp);
    await dp.stop();
  },
};

await scenarios[scenario]();
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
