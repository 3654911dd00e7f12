/**
 * Locates files that ship with qnfv (the example descriptor packages) at run time. The code runs
 * from TypeScript sources under jest and from `dist/` in production, and tsc does not copy YAML
 * into `dist/`, so paths are resolved from the project root: the nearest folder, walking up from
 * this module, whose package.json names the `qnfv` package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError } from '../common/index.js';

/** The qnfv project root (the folder holding its package.json). */
export function projectRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isQnfvManifest(manifest)) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new PrerequisiteError(`qnfv project root (a package.json named 'qnfv') not found above ${fileURLToPath(from)}; run qnfv from its installation folder`);
    dir = parent;
  }
}

function isQnfvManifest(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'qnfv';
  } catch {
    return false;
  }
}

/** Folder of the product's QKD virtual router VNF package (`vnfd/packages/qnfv_router_vnf`). */
export function bundledVnfPackagePath(): string {
  return join(projectRoot(), 'vnfd', 'packages', 'qnfv_router_vnf');
}
