/**
 * `TOSCA-Metadata/TOSCA.meta` of a SOL004 CSAR (ETSI GS NFV-SOL 004 §4.1.2, after the TOSCA CSAR
 * format): blocks of `Key: value` lines separated by blank lines; block_0 holds
 * `TOSCA-Meta-File-Version`, `CSAR-Version`, `Created-By`, `Entry-Definitions` and SOL004's
 * `ETSI-Entry-Manifest` (all required here), and optionally `ETSI-Entry-Change-Log`,
 * `ETSI-Entry-Licenses`, `ETSI-Entry-Certificate`, `ETSI-Entry-Tests`. Later blocks (TOSCA 1.0
 * `Name:`/`Content-Type:` entries) are read but not used. Keys are matched case-insensitively,
 * as Tacker's samples write `Created-by`. Files the keys name are checked by csar-package.ts.
 */
import type { Problem } from '../common/index.js';
import { TOSCA_META_ENTRY_KEYS, TOSCA_META_REQUIRED_KEYS } from './constants.js';

/** A `Key: value` line. */
export interface MetaEntry {
  /** The key as written. */
  key: string;
  value: string;
  /** 1-based line. */
  line: number;
}

/** TOSCA.meta as read: block_0 by canonical key name. */
export interface ToscaMeta {
  block0: Map<string, MetaEntry>;
}

const VERSION_KEYS = ['TOSCA-Meta-File-Version', 'CSAR-Version'];

/** Parse TOSCA.meta; malformed lines, repeated or missing block_0 keys and bad versions are problems (`file` names it). */
export function parseToscaMeta(text: string, file: string): { meta: ToscaMeta; problems: Problem[] } {
  const problems: Problem[] = [];
  const block0 = new Map<string, MetaEntry>();
  const canonical = new Map<string, string>([...TOSCA_META_REQUIRED_KEYS, ...TOSCA_META_ENTRY_KEYS].map((k) => [k.toLowerCase(), k]));
  let block = 0;
  let inBlock = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') {
      if (inBlock) block++;
      inBlock = false;
      return;
    }
    inBlock = true;
    const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:\s*(.*?)\s*$/.exec(raw);
    if (!m) {
      problems.push({ path: 'TOSCA.meta', message: `malformed line: expected '<Key>: <value>' (found '${raw.length > 60 ? `${raw.slice(0, 60)}…` : raw}')`, file, line });
      return;
    }
    if (block !== 0) return;
    const key = canonical.get(m[1].toLowerCase()) ?? m[1];
    if (block0.has(key)) {
      problems.push({ path: key, message: `'${key}' is given twice in block_0 (first at line ${block0.get(key)?.line})`, file, line });
      return;
    }
    block0.set(key, { key: m[1], value: m[2], line });
  });
  for (const key of TOSCA_META_REQUIRED_KEYS) {
    const entry = block0.get(key);
    if (!entry) problems.push({ path: key, message: `'${key}' is a mandatory field of TOSCA.meta and it is not defined`, file, line: 1 });
    else if (entry.value === '') problems.push({ path: key, message: `'${key}' has no value`, file, line: entry.line });
  }
  for (const key of VERSION_KEYS) {
    const entry = block0.get(key);
    if (entry && entry.value !== '' && !/^[0-9]+\.[0-9]+$/.test(entry.value)) {
      problems.push({ path: key, message: `must be a version such as 1.0 (found '${entry.value}')`, file, line: entry.line });
    }
  }
  return { meta: { block0 }, problems };
}
