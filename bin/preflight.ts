/**
 * Checks, before the demo starts anything, that this machine can run it,
 * each with the exact fix: root, iproute2, /dev/net/tun, ping, tcpdump, the
 * compiled router and the TUN addon.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findProjectRoot } from '../virtual-router/tun/index.js';

/** Problems that prevent the demo from running, each with what to do. */
export function demoPreflight(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('not running as root: the netns driver creates network namespaces and TUN devices — run as root (sudo npx qnfv demo)');
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
  const root = findProjectRoot(import.meta.url);
  for (const addon of ['qnfv_tun', 'qnfv_esp']) {
    if (!existsSync(join(root, 'build', 'Release', `${addon}.node`))) problems.push(`the native addon ${addon} is not built: npm run build:native (or ./scripts/setup.sh)`);
  }
  if (!existsSync(join(root, 'dist', 'virtual-router', 'main.js'))) problems.push('the router is not compiled: npm run build (or ./scripts/setup.sh)');
  return problems;
}
