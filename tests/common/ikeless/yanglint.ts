/**
 * Runs yanglint 2 (libyang2-tools) on documents the codec produced, against the
 * RFC 9061 modules vendored in common/ikeless/yang (see its README). A missing yanglint fails the
 * test: nothing here is skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const YANG_DIR = process.env.QNFV_YANG_DIR ?? resolve(process.cwd(), 'common/ikeless/yang');
/** The RFC 9061 example instance data (same configuration in XML and JSON). */
export const EXAMPLES_DIR = resolve(process.cwd(), 'tests/vectors/rfc9061');
const IKELESS = join(YANG_DIR, 'ietf-i2nsf-ikeless@2021-07-14.yang');
const NETCONF = join(YANG_DIR, 'ietf-netconf@2011-06-01.yang');

export type YanglintType = 'config' | 'data' | 'get' | 'getconfig' | 'edit' | 'notif' | 'nc-notif';

/** Validate `doc` (XML or JSON text) as `type`; returns yanglint's reprint in `format`, or throws with its errors. */
export function yanglint(type: YanglintType, doc: string, ext: 'xml' | 'json', format: 'xml' | 'json' = ext): string {
  const dir = mkdtempSync(join(tmpdir(), 'qnfv-yanglint-'));
  try {
    const file = join(dir, `doc.${ext}`);
    writeFileSync(file, doc);
    const modules = type === 'edit' ? [NETCONF, IKELESS] : [IKELESS];
    const r = spawnSync('yanglint', ['-p', YANG_DIR, '-t', type, '-f', format, ...modules, file], { encoding: 'utf8' });
    if (r.error) throw new Error(`cannot run yanglint (apt-get install libyang2-tools): ${r.error.message}`);
    if (r.status !== 0 || r.stderr.trim() !== '') throw new Error(`yanglint -t ${type} rejected the document (exit ${r.status}):\n${r.stderr}\n${doc}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
