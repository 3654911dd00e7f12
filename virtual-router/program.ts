/**
 * Where the router program is: `dist/virtual-router/main.js`, the compiled
 * entry point the VIM starts in each router namespace (or image). When this
 * module itself runs from TypeScript sources (tests), the compiled file under
 * the project root's `dist/` is used, so `npm run build` must come first.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PrerequisiteError } from '../common/index.js';
import { findProjectRoot } from './tun/index.js';

/** Absolute path of the compiled router entry point; throws when it was not built. */
export function routerMainPath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts') ? join(findProjectRoot(import.meta.url), 'dist', 'virtual-router', 'main.js') : fileURLToPath(new URL('./main.js', import.meta.url));
  if (!existsSync(path)) throw new PrerequisiteError(`the router program ${path} is not built: run 'npm run build'`);
  return path;
}
