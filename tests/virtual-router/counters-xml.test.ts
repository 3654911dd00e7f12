/**
 * The router's data path counters (module qnfv-router) as `<get>` returns
 * them: round trip, and the XML validates with yanglint against the module.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { datapathCountersXml, datapathCountersFromXml } from '../../virtual-router/counters-xml.js';
import { serializeXml } from '../../common/netconf/index.js';

const YANG = resolve(process.cwd(), 'common/ikeless/yang');

function yanglintGet(xml: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qnfv-counters-'));
  try {
    writeFileSync(join(dir, 'get.xml'), xml);
    const r = spawnSync('yanglint', ['-p', YANG, '-t', 'get', join(YANG, 'qnfv-router@2026-11-23.yang'), join(dir, 'get.xml')], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('qnfv-router data path counters', () => {
  const counters = { encrypted: 12, decrypted: 10, bypassed: 0, drops: { replay: 1, 'auth-failed': 2, 'no-policy': 0 } };

  it('round-trips through XML', () => {
    expect(datapathCountersFromXml(datapathCountersXml(counters))).toEqual(counters);
  });

  it('validates with yanglint against qnfv-router', () => {
    const r = yanglintGet(serializeXml(datapathCountersXml(counters)));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('is rejected by yanglint when a counter is not a number (the check can fail)', () => {
    const bad = serializeXml(datapathCountersXml(counters)).replace('<encrypted>12</encrypted>', '<encrypted>twelve</encrypted>');
    expect(yanglintGet(bad).status).not.toBe(0);
  });
});
