/**
 * What the netns driver needs from the host, checked once (the containernet
 * habit): root, iproute2's `ip` (with netns support), procps' `sysctl`, and
 * the TUN clone device for the routers' data plane. Every missing piece is
 * reported in one PrerequisiteError that says exactly what to do.
 * The host is reached through a HostProbe and the runner so that tests can
 * fake both.
 */
import { access } from 'node:fs/promises';
import { PrerequisiteError } from '../../common/index.js';
import type { CommandRunner } from '../command-runner.js';
import { EXIT_NOT_FOUND, TUN_DEVICE } from '../constants.js';

/** The bits of the host a prerequisite check looks at. */
export interface HostProbe {
  /** Effective user id (0 = root). */
  uid(): number;
  /** True when the path exists. */
  exists(path: string): Promise<boolean>;
}

/** The real host. */
export const realHostProbe: HostProbe = {
  uid: () => (typeof process.geteuid === 'function' ? process.geteuid() : -1),
  exists: (path) =>
    access(path).then(
      () => true,
      () => false,
    ),
};

/** Throw PrerequisiteError listing every missing prerequisite with its fix. */
export async function checkNetnsPrerequisites(runner: CommandRunner, probe: HostProbe): Promise<void> {
  const missing: string[] = [];
  if (probe.uid() !== 0) {
    missing.push("network namespaces need root: run as root (sudo), or use the 'local' VIM driver");
  }
  const ip = await runner.run(['ip', '-V'], { allowFailure: true });
  if (ip.code === EXIT_NOT_FOUND) missing.push("'ip' not found: apt-get install iproute2");
  else if (ip.code !== 0) missing.push(`'ip -V' failed (${ip.stderr.trim()}): reinstall iproute2 (apt-get install --reinstall iproute2)`);
  const sysctl = await runner.run(['sysctl', '--version'], { allowFailure: true });
  if (sysctl.code === EXIT_NOT_FOUND) missing.push("'sysctl' not found: apt-get install procps");
  if (!(await probe.exists(TUN_DEVICE))) {
    missing.push(`${TUN_DEVICE} is missing: modprobe tun (in a container: run it with --device /dev/net/tun)`);
  }
  if (missing.length > 0) throw new PrerequisiteError(`the netns VIM driver cannot run here: ${missing.join('; ')}`);
}
