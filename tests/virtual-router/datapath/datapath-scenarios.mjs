// Runs one scenario of the router's Datapath (the compiled dist/virtual-router/datapath/datapath.js)
// inside a test namespace and prints one JSON line with what happened.
// Usage: node datapath-scenarios.mjs <dist-root> <scenario>
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const [distRoot, scenario] = process.argv.slice(2);
const { Datapath } = await import(pathToFileURL(join(distRoot, 'virtual-router', 'datapath', 'datapath.js')).href);
const { configureLogging } = await import(pathToFileURL(join(distRoot, 'common', 'index.js')).href);
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
