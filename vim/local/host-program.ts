/**
 * Where the `local` site host program is: `dist/vim/local/host-main.js`.
 * When this module runs from TypeScript sources (tests), the compiled file
 * under the project root's `dist/` is used, so `npm run build` comes first.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError } from '../../common/index.js';
import { findProjectRoot } from '../../virtual-router/tun/index.js';

/** Absolute path of the compiled host program; throws PrerequisiteError when it was not built. */
export function hostMainPath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts') ? join(findProjectRoot(import.meta.url), 'dist', 'vim', 'local', 'host-main.js') : fileURLToPath(new URL('./host-main.js', import.meta.url));
  if (!existsSync(path)) throw new PrerequisiteError(`the local VIM's host program ${path} is not built: run 'npm run build'`);
  return path;
}
