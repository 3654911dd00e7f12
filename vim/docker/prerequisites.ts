/**
 * What the docker driver needs from the host, checked once: root (veths,
 * nsenter, OVS), a dockerd answering on its socket, Open vSwitch with both
 * daemons (ovsdb-server answers ovs-vsctl, ovs-vswitchd answers ovs-appctl),
 * ovs-ofctl, and the tools the wiring runs: ip, nsenter, ethtool, and
 * busybox for the router image, plus the TUN clone device for the routers.
 * Every missing piece is reported in one PrerequisiteError saying how to fix
 * it — in most cases `scripts/setup.sh --test`, which installs the packages
 * and starts the daemons.
 */
import { PrerequisiteError, errorMessage } from '../../common/index.js';
import type { CommandRunner } from '../command-runner.js';
import { EXIT_NOT_FOUND, TUN_DEVICE } from '../constants.js';
import type { HostProbe } from '../netns/prerequisites.js';
import { BUSYBOX } from './docker-constants.js';

const SETUP = 'run scripts/setup.sh --test as root (it installs the package and starts the daemons)';

/** The host plus a way to ask dockerd whether it is there. */
export interface DockerHostProbe extends HostProbe {
  /** Resolves when dockerd answers `GET /_ping`; rejects with the reason otherwise. */
  pingDocker(): Promise<void>;
}

/** Throw PrerequisiteError listing every missing prerequisite with its fix. */
export async function checkDockerPrerequisites(runner: CommandRunner, probe: DockerHostProbe, socketPath: string): Promise<void> {
  const missing: string[] = [];
  if (probe.uid() !== 0) missing.push("the docker VIM driver needs root (veth pairs, nsenter, Open vSwitch): run as root, or use the 'netns' driver as root or the 'local' driver");

  try {
    await probe.pingDocker();
  } catch (err) {
    if (!(await probe.exists(socketPath))) missing.push(`dockerd is not running (no ${socketPath}): ${SETUP} (package docker.io)`);
    else missing.push(`dockerd does not answer on ${socketPath} (${errorMessage(err)}): ${SETUP}; its log is /var/log/qnfv-dockerd.log`);
  }

  const vsctl = await runner.run(['ovs-vsctl', '--timeout=5', 'show'], { allowFailure: true });
  if (vsctl.code === EXIT_NOT_FOUND) missing.push(`Open vSwitch is not installed: ${SETUP} (package openvswitch-switch)`);
  else if (vsctl.code !== 0) missing.push(`ovsdb-server does not answer (${vsctl.stderr.trim()}): ${SETUP} (/usr/share/openvswitch/scripts/ovs-ctl start)`);
  else {
    const appctl = await runner.run(['ovs-appctl', '--timeout=5', '-t', 'ovs-vswitchd', 'version'], { allowFailure: true });
    if (appctl.code !== 0) missing.push(`ovs-vswitchd is not running (${appctl.stderr.trim()}): ${SETUP} (/usr/share/openvswitch/scripts/ovs-ctl start)`);
  }
  const ofctl = await runner.run(['ovs-ofctl', '--version'], { allowFailure: true });
  if (ofctl.code === EXIT_NOT_FOUND && !missing.some((m) => m.startsWith('Open vSwitch'))) missing.push('ovs-ofctl not found: apt-get install openvswitch-common');

  const tools: [string[], string][] = [
    [['ip', '-V'], 'iproute2'],
    [['nsenter', '--version'], 'util-linux'],
    [['ethtool', '--version'], 'ethtool'],
    [['ldd', '--version'], 'libc-bin'],
    [[BUSYBOX, 'true'], 'busybox'],
  ];
  for (const [argv, pkg] of tools) {
    const res = await runner.run(argv, { allowFailure: true });
    if (res.code === EXIT_NOT_FOUND) missing.push(`'${argv[0]}' not found: apt-get install ${pkg} (or ${SETUP.replace('run ', '')})`);
  }
  if (!(await probe.exists(TUN_DEVICE))) missing.push(`${TUN_DEVICE} is missing: modprobe tun (in a container: run it with --device /dev/net/tun)`);
  if (missing.length > 0) throw new PrerequisiteError(`the docker VIM driver cannot run here: ${missing.join('; ')}`);
}
