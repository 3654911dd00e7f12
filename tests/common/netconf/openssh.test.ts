import { configureLogging } from '../../../common/index.js';
import { FrameDecoder, NETCONF_NS, child, childText, parseXml, type XmlElement } from '../../../common/netconf/index.js';
import { keyFile, opensshArgs, run, tempDir } from '../ssh/ssh-fixtures.js';
import { TEST_NS, startNetconf, type NetconfFixture } from './netconf-fixtures.js';

configureLogging({ console: false });

const EOM = ']]>]]>';
const NC = NETCONF_NS;
const hello = (caps: string[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${NC}"><capabilities>${caps.map((c) => `<capability>${c}</capability>`).join('')}</capabilities></hello>`;
const chunk = (msg: string): string => `\n#${Buffer.byteLength(msg)}\n${msg}\n##\n`;

describe('OpenSSH `ssh -s netconf` as a raw NETCONF client', () => {
  let fx: NetconfFixture;
  let dir: { dir: string; cleanup: () => Promise<void> };
  let key: string;

  beforeAll(async () => {
    fx = await startNetconf();
    dir = await tempDir('qnfv-openssh-');
    key = (await keyFile(dir.dir, 'admin', fx.admin)).path;
  });
  afterAll(async () => {
    await fx.close();
    await dir.cleanup();
  });

  const ssh = (input: string) => run('ssh', [...opensshArgs(fx.port, key), '-s', 'netconf'], { input, timeoutMs: 20_000 });

  it('base:1.0 end-of-message framing: hello, edit-config, get-config (nc: prefixes), errors, close-session', async () => {
    const input = [
      hello(['urn:ietf:params:netconf:base:1.0']),
      `<nc:rpc xmlns:nc="${NC}" message-id="urn:uuid:1"><nc:edit-config><nc:target><nc:running/></nc:target><nc:config><sad xmlns="${TEST_NS}"><sad-entry><name>raw</name><spi>9</spi></sad-entry></sad></nc:config></nc:edit-config></nc:rpc>`,
      `<nc:rpc xmlns:nc="${NC}" message-id="urn:uuid:2" extra="kept"><nc:get-config><nc:source><nc:running/></nc:source><nc:filter type="subtree"><sad xmlns="${TEST_NS}"/></nc:filter></nc:get-config></nc:rpc>`,
      `<rpc xmlns="${NC}" message-id="3"><get-config><source><running/></source></get-config>`, // malformed XML
      `<rpc xmlns="${NC}"><get/></rpc>`, // no message-id
      `<rpc xmlns="${NC}" message-id="5"><close-session/></rpc>`,
    ]
      .map((m) => m + EOM)
      .join('\n');
    const r = await ssh(input);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const parts = r.stdout.split(EOM);
    expect(parts.pop()!.trim()).toBe('');
    const [srvHello, edit, get, malformed, noId, close] = parts.map((p) => parseXml(p));

    expect(srvHello!.name).toBe('hello');
    expect(Number(childText(srvHello!, 'session-id', NC))).toBeGreaterThan(0);
    expect(edit!.attrs['message-id']).toBe('urn:uuid:1');
    expect(child(edit!, 'ok', NC)).toBeDefined();
    // All attributes of the rpc are echoed (RFC 6241 §4.2).
    expect(get!.attrs).toEqual({ 'message-id': 'urn:uuid:2', extra: 'kept' });
    const sad = child(child(get!, 'data', NC)!, 'sad', TEST_NS)!;
    expect(sad.children.map((e) => childText(e, 'name'))).toContain('raw');
    expect(errorTag(malformed!)).toBe('malformed-message');
    expect(errorTag(noId!)).toBe('missing-attribute');
    expect(close!.attrs['message-id']).toBe('5');
    expect(child(close!, 'ok', NC)).toBeDefined();
  });

  it('base:1.1 chunked framing after the hello, including a message split over chunks', async () => {
    const rpc1 = `<rpc xmlns="${NC}" message-id="1"><get><filter type="subtree"><state xmlns="${TEST_NS}"/></filter></get></rpc>`;
    const half = Math.floor(rpc1.length / 2);
    const input =
      hello(['urn:ietf:params:netconf:base:1.0', 'urn:ietf:params:netconf:base:1.1']) +
      EOM +
      `\n#${half}\n${rpc1.slice(0, half)}\n#${rpc1.length - half}\n${rpc1.slice(half)}\n##\n` +
      chunk(`<rpc xmlns="${NC}" message-id="2"><close-session/></rpc>`);
    const r = await ssh(input);
    expect(r.code).toBe(0);
    const [srvHello, rest] = [r.stdout.slice(0, r.stdout.indexOf(EOM)), r.stdout.slice(r.stdout.indexOf(EOM) + EOM.length)];
    expect(parseXml(srvHello).name).toBe('hello');
    // Replies are chunk-framed: "\n#<len>\n" ... "\n##\n".
    expect(rest).toMatch(/^\n#[1-9][0-9]*\n<rpc-reply/);
    expect(rest.endsWith('\n##\n')).toBe(true);
    const dec = new FrameDecoder();
    dec.setMode('chunked');
    dec.push(Buffer.from(rest));
    const replies: XmlElement[] = [];
    for (let m = dec.next(); m; m = dec.next()) replies.push(parseXml(m.toString()));
    expect(replies).toHaveLength(2);
    expect(childText(child(child(replies[0]!, 'data', NC)!, 'state', TEST_NS)!, 'uptime', TEST_NS)).toBe('42');
    expect(child(replies[1]!, 'ok', NC)).toBeDefined();
  });

  it('a bad chunk header gets no reply (the session is closed, see server-protocol.test.ts)', async () => {
    const input = hello(['urn:ietf:params:netconf:base:1.1']) + EOM + `\n#007\n<rpc/>\n##\n` + chunk(`<rpc xmlns="${NC}" message-id="1"><get/></rpc>`);
    const r = await ssh(input);
    const afterHello = r.stdout.slice(r.stdout.indexOf(EOM) + EOM.length);
    expect(afterHello).toBe('');
    expect(fx.netconf.listSessions()).toEqual([]);
  });

  it('a client hello with a session-id, or with no common base, ends the session', async () => {
    for (const bad of [
      `<hello xmlns="${NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities><session-id>4</session-id></hello>`,
      hello(['urn:ietf:params:netconf:base:2.0']),
    ]) {
      const r = await ssh(bad + EOM + `<rpc xmlns="${NC}" message-id="1"><get/></rpc>` + EOM);
      expect(r.stdout.split(EOM).filter((p) => p.trim() !== '')).toHaveLength(1); // our hello only
    }
  });
});

function errorTag(reply: XmlElement): string | undefined {
  return childText(child(reply, 'rpc-error', NC)!, 'error-tag', NC);
}
