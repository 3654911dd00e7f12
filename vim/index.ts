/**
 * The VIM layer (ARCHITECTURE.md §2): the VimDriver interface, its drivers
 * and their building blocks. Other modules import only this file.
 * `createVimDriver(kind, options)` picks a driver: `netns` (namespaces),
 * `docker` (containers + Open vSwitch) or `local` (child processes on
 * loopback UDP wires, no root).
 */
import { ValidationError } from '../common/index.js';
import { NetnsDriver, type NetnsDriverOptions } from './netns/netns-driver.js';
import { DockerVimDriver, type DockerVimDriverOptions } from './docker/docker-driver.js';
import { LocalVimDriver, type LocalVimDriverOptions } from './local/local-driver.js';
import type { VimDriver, VimDriverKind } from './types.js';

export * from './types.js';
export * from './constants.js';
export { requireCapability, ALL_CAPABILITIES } from './capabilities.js';
export { ExecFileRunner, RecordingRunner, type CommandOptions, type CommandResult, type CommandRunner, type RecordedCall, type StartOptions } from './command-runner.js';
export { runIpBatch, ipBatchArgv, checkBatchToken, type IpBatchOptions } from './ip-batch.js';
export { allocateSubnet, parseCidr, formatCidr, overlaps, isIpv4, intToIpv4, ipv4ToInt, type Allocation, type Cidr } from './ipam.js';
export {
  formatLabels,
  parseLabels,
  nodeNamespace,
  networkNamespace,
  installationPrefix,
  instancePrefix,
  mgmtLinkName,
  portPeerName,
  bridgeName,
} from './labels.js';
export { NetnsDriver, type NetnsDriverOptions } from './netns/netns-driver.js';
export { realHostProbe, type HostProbe } from './netns/prerequisites.js';
export { DockerVimDriver, DOCKER_STATE_ROOT, type DockerVimDriverOptions } from './docker/docker-driver.js';
export { checkInterDomain, type InterDomainOptions } from './docker/inter-domain.js';
export { ensureRouterImage, pruneRouterImages, type RouterImage, type RouterImageOptions } from './docker/router-image.js';
export { LocalVimDriver, LOCAL_CAPABILITIES, LOCAL_CAPTURE_ENV, type LocalVimDriverOptions } from './local/local-driver.js';
export { defaultLocalRoot } from './local/local-paths.js';
export { LABEL_ENV } from './local/local-processes.js';
export { HOST_COMMANDS } from './local/host-commands.js';

const KINDS: readonly VimDriverKind[] = ['netns', 'docker', 'local'];

/** A VIM driver of the given kind. */
export function createVimDriver(kind: VimDriverKind, options: NetnsDriverOptions & DockerVimDriverOptions & LocalVimDriverOptions): VimDriver {
  switch (kind) {
    case 'netns':
      return new NetnsDriver(options);
    case 'docker':
      return new DockerVimDriver(options);
    case 'local':
      return new LocalVimDriver(options);
    default:
      throw new ValidationError(`unknown VIM driver kind '${String(kind)}' (expected one of ${KINDS.join(', ')})`);
  }
}
