import type { Duplex } from 'node:stream';
import { configureLogging } from '../../../common/index.js';
import { FrameDecoder, NETCONF_NS, NetconfClient, child, childText, parseXml, type XmlElement } from '../../../common/netconf/index.js';
import { SshClient } from '../../../common/ssh/index.js';
import { TEST_NS, startNetconf, type NetconfFixture } from './netconf-fixtures.js';

configureLogging({ console: false });

const NC = NETCONF_NS;
const EOM = ']]>]]>';
const hello11 = `<hello xmlns="${NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>${EOM}`;

/** A raw `netconf` subsystem stream whose write side we keep open. */
describe('NETCONF server protocol handling on a raw SSH channel', () => {
  let fx: NetconfFixture;
  let ssh: SshClient;

  beforeAll(async () => {
    fx = await startNetconf();
    ssh = await SshClient.connect({ host: '127.0.0.1', port: fx.port, username: 'admin', privateKey: fx.admin.privateKey, hostKeyFingerprint: fx.hostKeyFingerprint });
  });
  afterAll(async () => {
    await ssh.close();
    await fx.close();
  });

  function collect(stream: Duplex): { text: () => string; closed: Promise<void> } {
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
    return { text: () => text, closed };
  }

  it('closes the session on a chunked framing error while the client still has its side open', async () => {
    const s = await ssh.subsystem('netconf');
    const out = collect(s);
    s.write(hello11);
    s.write('\n#abc\n');
    await out.closed;
    expect(out.text().split(EOM)[1]).toBe('');
  });

  it('closes the session on a hello with a session-id, and on a non-hello first message', async () => {
    for (const first of [
      `<hello xmlns="${NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities><session-id>7</session-id></hello>`,
      `<rpc xmlns="${NC}" message-id="1"><get/></rpc>`,
      `not xml at all`,
    ]) {
      const s = await ssh.subsystem('netconf');
      const out = collect(s);
      s.write(first + EOM);
      await out.closed;
      expect(parseXml(out.text().split(EOM)[0]!).name).toBe('hello');
    }
  });

  it('refuses a DOCTYPE (entity expansion) with malformed-message and keeps the session', async () => {
    const s = await ssh.subsystem('netconf');
    const out = collect(s);
    s.write(`<hello xmlns="${NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>${EOM}`);
    s.write(`<!DOCTYPE rpc [<!ENTITY a "aaaaaaaa">]><rpc xmlns="${NC}" message-id="1"><get/></rpc>${EOM}`);
    s.write(`<rpc xmlns="${NC}" message-id="2"><close-session/></rpc>${EOM}`);
    await out.closed;
    const [, r1, r2] = out.text().split(EOM).map((p) => (p.trim() ? parseXml(p) : undefined));
    expect(childText(child(r1!, 'rpc-error', NC)!, 'error-tag', NC)).toBe('malformed-message');
    expect(child(r2!, 'ok', NC)).toBeDefined();
  });

  it('answers pipelined rpcs in order and drains them before closing on EOF', async () => {
    const s = await ssh.subsystem('netconf');
    const out = collect(s);
    s.write(hello11);
    const rpcs = Array.from({ length: 20 }, (_, i) => `<rpc xmlns="${NC}" message-id="${i}"><get-config><source><running/></source><filter><nothing xmlns="${TEST_NS}"/></filter></get-config></rpc>`);
    s.end(rpcs.map((r) => `\n#${Buffer.byteLength(r)}\n${r}\n##\n`).join(''));
    await out.closed;
    const rest = out.text().slice(out.text().indexOf(EOM) + EOM.length);
    const dec = new FrameDecoder();
    dec.setMode('chunked');
    dec.push(Buffer.from(rest));
    const ids: string[] = [];
    for (let m = dec.next(); m; m = dec.next()) ids.push(parseXml(m.toString()).attrs['message-id']!);
    expect(ids).toEqual(rpcs.map((_, i) => String(i)));
  });

  it('NetconfClient.open works over any Duplex, and rejects pending rpcs when the session dies', async () => {
    const s = await ssh.subsystem('netconf');
    const c = await NetconfClient.open(s);
    expect(c.framing).toBe('chunked');
    const reply: XmlElement = await c.rpc(`<get-config><source><running/></source></get-config>`);
    expect(reply.name).toBe('rpc-reply');
    fx.netconf.close(); // ends every session from the server side
    await c.closed;
    await expect(c.getConfig()).rejects.toThrow(/closed/);
  });
});
