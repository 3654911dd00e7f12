import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureLogging } from '../../../common/index.js';
import { parseXml, childText, childrenNamed } from '../../../common/netconf/index.js';
import { keyFile, run, tempDir } from '../ssh/ssh-fixtures.js';
import { TEST_NS, startNetconf, type NetconfFixture } from './netconf-fixtures.js';

configureLogging({ console: false });

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'interop', 'ncclient_session.py');

interface Step {
  step: string;
  [k: string]: unknown;
}

describe('ncclient (paramiko) as an independent NETCONF client', () => {
  let fx: NetconfFixture;
  let dir: { dir: string; cleanup: () => Promise<void> };
  let adminKey: string;

  beforeAll(async () => {
    fx = await startNetconf();
    dir = await tempDir('qnfv-ncclient-');
    adminKey = (await keyFile(dir.dir, 'admin', fx.admin)).path;
  });
  afterAll(async () => {
    await fx.close();
    await dir.cleanup();
  });

  /** Run the ncclient script; send a notification when it says it subscribed. */
  async function session(user: string, cred: string): Promise<Step[]> {
    let sent = false;
    let seen = '';
    const r = await run('/usr/bin/python3', [SCRIPT, String(fx.port), user, cred, TEST_NS], {
      timeoutMs: 30_000,
      onStdout: (chunk) => {
        seen += chunk;
        if (!sent && seen.includes('"step": "subscribed"')) {
          sent = true;
          // Sent once ncclient's create-subscription got its reply.
          expect(fx.netconf.notify(`<sadb-expire xmlns="${TEST_NS}"><ipsec-sa-name>out</ipsec-sa-name><soft-lifetime-expire>true</soft-lifetime-expire></sadb-expire>`)).toBe(1);
        }
      },
    });
    if (r.code !== 0) throw new Error(`ncclient exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Step);
  }

  function check(steps: Step[]): void {
    const by = (name: string): Step => steps.find((s) => s.step === name)!;
    expect(by('hello')).toMatchObject({ base11: true, notification: true });
    expect(Number(by('hello').session_id)).toBeGreaterThan(0);
    // get-config returns what ncclient's edit-config merged.
    const data = parseXml(by('get-config').data as string);
    const entries = childrenNamed(childrenNamed(data, 'sad', TEST_NS)[0]!, 'sad-entry', TEST_NS);
    expect(entries.map((e) => [childText(e, 'name'), childText(e, 'spi')])).toContainEqual(['from-ncclient', '257']);
    // rpc-error reaches ncclient as RPCError with the tag.
    expect(by('error')).toMatchObject({ tag: 'data-missing' });
    // The notification after create_subscription().
    const n = parseXml(by('notification').xml as string);
    expect(n.name).toBe('notification');
    expect(childText(n, 'eventTime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(childText(childrenNamed(n, 'sadb-expire', TEST_NS)[0]!, 'ipsec-sa-name')).toBe('out');
    expect(by('closed')).toBeDefined();
  }

  it('publickey login: get-config, edit-config, rpc-error, notification, close-session', async () => {
    check(await session('admin', `key=${adminKey}`));
  });

  it('password login does the same', async () => {
    check(await session('oper', `password=${fx.operPassword}`));
    // ncclient closed its session (close-session), so none is left open.
    expect(fx.netconf.listSessions()).toEqual([]);
  });
});
