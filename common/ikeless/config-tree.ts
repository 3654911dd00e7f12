/**
 * The RFC 9061 `ipsec-ikeless` container (`spd` then `sad`) ⇄ schema
 * `Tree`, and the checks every encoder runs before it writes anything: the
 * tree is validated like input (so the codec never emits what it would
 * refuse to read) and key leaves are dropped for `withKeys: false` readers
 * (`nacm:default-deny-all`, RFC 8341 §3.5.1.1).
 */
import type { Problem } from '../errors.js';
import { dropSecrets, throwIfProblems, validateTree, type DataKind } from './data-tree.js';
import { sadEntryFromTree, sadEntryToTree } from './sad-entry-tree.js';
import type { SchemaNode, Tree } from './schema.js';
import { spdEntryFromTree, spdEntryToTree } from './spd-entry-tree.js';
import { entries, sub } from './tree-fields.js';
import type { IkelessConfig } from './types.js';

/** Encoder options. */
export interface KeyOptions {
  /**
   * Write the key leaves (encryption key and IV, integrity key). false for a
   * reader that may not see them (NACM default-deny-all) and for the
   * controller, which never has keys.
   */
  withKeys: boolean;
}

/** `IkelessConfig` → content tree of `ipsec-ikeless`. */
export function configToTree(c: IkelessConfig): Tree {
  return {
    spd: { 'spd-entry': (c.spd ?? []).map(spdEntryToTree) },
    sad: { 'sad-entry': (c.sad ?? []).map(sadEntryToTree) },
  };
}

/** Validated content tree of `ipsec-ikeless` → `IkelessConfig`. */
export function configFromTree(t: Tree): IkelessConfig {
  return {
    spd: entries(sub(t, 'spd') ?? {}, 'spd-entry').map(spdEntryFromTree),
    sad: entries(sub(t, 'sad') ?? {}, 'sad-entry').map(sadEntryFromTree),
  };
}

/**
 * Validate a tree about to be written (throwing ValidationError naming every
 * problem) and drop its key leaves unless `withKeys`. `path` prefixes problem paths.
 */
export function checkOutput(tree: Tree, children: readonly SchemaNode[], what: string, opts: KeyOptions & { kind?: DataKind; path?: string }): void {
  const problems: Problem[] = [];
  validateTree(tree, children, opts.path ?? '', opts.kind ?? 'config', problems);
  throwIfProblems(what, problems);
  if (!opts.withKeys) dropSecrets(tree, children);
}
