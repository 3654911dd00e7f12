/**
 * Checks, before the demo starts anything, that this machine can run it with
 * the chosen VIM driver, each with the exact fix, and picks the driver when
 * none was asked for: `netns` when running as root with what it needs,
 * otherwise `local` (child processes on loopback, no root), which needs
 * nothing but the compiled router and host programs.
 *  - netns / docker: root, iproute2, ping, tcpdump, /dev/net/tun, the native
 *    addons and the compiled router;
 *  - local: the compiled router (dist/virtual-router/main.js) and site host
 *    (dist/vim/local/host-main.js). The ESP addon is used when built and
 *    node:crypto otherwise.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findProjectRoot } from '../virtual-router/tun/index.js';

/** The VIM drivers the demo can run on. */
export type DemoVim = 'netns' | 'docker' | 'local';

/** The driver the demo uses and why. */
export interface DemoVimChoice {
  vim: DemoVim;
  reason: string;
}

function compiledProblems(root: string, vim: DemoVim): string[] {
  const problems: string[] = [];
  if (!existsSync(join(root, 'dist', 'virtual-router', 'main.js'))) problems.push('the router is not compiled: npm run build (or ./scripts/setup.sh)');
  if (vim === 'local' && !existsSync(join(root, 'dist', 'vim', 'local', 'host-main.js'))) problems.push("the local VIM's site host is not compiled: npm run build");
  return problems;
}

/** Problems that prevent the demo from running on `vim`, each with what to do. */
export function demoPreflight(vim: DemoVim = 'netns'): string[] {
  const root = findProjectRoot(import.meta.url);
  if (vim === 'local') return compiledProblems(root, vim);
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push(`not running as root: the ${vim} driver creates network namespaces and TUN devices — run as root (sudo npx qnfv demo), or use --vim local (no root)`);
  const have = (cmd: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!have('ip')) problems.push("'ip' not found: apt-get install iproute2 (or run ./scripts/setup.sh)");
  if (!have('ping')) problems.push("'ping' not found: apt-get install iputils-ping (or run ./scripts/setup.sh)");
  if (!have('tcpdump')) problems.push("'tcpdump' not found: apt-get install tcpdump (or run ./scripts/setup.sh)");
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    problems.push('/dev/net/tun is missing or not accessible: modprobe tun (in a container: --device /dev/net/tun --cap-add NET_ADMIN)');
  }
  for (const addon of ['qnfv_tun', 'qnfv_esp']) {
    if (!existsSync(join(root, 'build', 'Release', `${addon}.node`))) problems.push(`the native addon ${addon} is not built: npm run build:native (or ./scripts/setup.sh)`);
  }
  return [...problems, ...compiledProblems(root, vim)];
}

/** The driver asked for, or else netns when it can run here (root, tools, TUN), or else local. */
export function chooseDemoVim(requested?: DemoVim): DemoVimChoice {
  if (requested) return { vim: requested, reason: 'asked for with --vim' };
  if (process.getuid?.() !== 0) return { vim: 'local', reason: 'not running as root: child processes on loopback UDP wires instead of namespaces' };
  const netns = demoPreflight('netns');
  if (netns.length === 0) return { vim: 'netns', reason: 'running as root' };
  return { vim: 'local', reason: `netns cannot run here (${netns.join('; ')})` };
}
