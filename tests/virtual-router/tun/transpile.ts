/**
 * Test helper: child processes cannot run TypeScript, so this transpiles
 * virtual-router/tun/index.ts and every module it imports (relative imports,
 * followed transitively, e.g. common/) into a temporary mini-project:
 * package.json (type module), the .js files at the same relative paths, and
 * `build` linked to the real build folder so the addon loader finds
 * build/Release/qnfv_tun.node by walking up to that package.json.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { findProjectRoot } from '../../../virtual-router/tun/index.js';

/** A transpiled copy; call cleanup() in afterAll. */
export interface TranspiledTree {
  root: string;
  cleanup(): Promise<void>;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)\.js['"]/g;

/** Transpile `entry` (project-relative .ts) and its relative imports into a temp folder. */
export async function transpileTree(entry = 'virtual-router/tun/index.ts'): Promise<TranspiledTree> {
  const project = findProjectRoot(import.meta.url);
  const root = await mkdtemp(join(tmpdir(), 'qtt-tun-js-'));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'qnfv-tun-transpiled', private: true, type: 'module' }));
    await symlink(join(project, 'build'), join(root, 'build'));
    const todo = [resolve(project, entry)];
    const done = new Set<string>();
    while (todo.length > 0) {
      const file = todo.pop() as string;
      if (done.has(file)) continue;
      done.add(file);
      const source = await readFile(file, 'utf8');
      for (const m of source.matchAll(IMPORT)) todo.push(resolve(dirname(file), `${m[1]}.ts`));
      const out = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const target = join(root, relative(project, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, out.outputText);
    }
    return { root, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
