/**
 * The VIM layer (ARCHITECTURE.md §2): the VimDriver interface, its drivers
 * and their building blocks. Other modules import only this file.
 * `createVimDriver(kind, options)` picks a driver: `netns` (namespaces) or
 * `docker` (containers + Open vSwitch); `local` (no root) comes later and
 * throws NotSupportedError until then.
 */
import { NotSupportedError, ValidationError } from '../common/index.js';
import { NetnsDriver, type NetnsDriverOptions } from './netns/netns-driver.js';
import { DockerVimDriver, type DockerVimDriverOptions } from './docker/docker-driver.js';
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
export { ensureRouterImage, pruneRouterImages, type RouterImage, type RouterImageOptions } from './docker/router-image.js';

const KINDS: readonly VimDriverKind[] = ['netns', 'docker', 'local'];

/** A VIM driver of the given kind; `local` is not implemented yet (NotSupportedError). */
export function createVimDriver(kind: VimDriverKind, options: NetnsDriverOptions & DockerVimDriverOptions): VimDriver {
  switch (kind) {
    case 'netns':
      return new NetnsDriver(options);
    case 'docker':
      return new DockerVimDriver(options);
    case 'local':
      throw new NotSupportedError(`the '${kind}' VIM driver is not implemented yet; use 'netns' or 'docker'`);
    default:
      throw new ValidationError(`unknown VIM driver kind '${String(kind)}' (expected one of ${KINDS.join(', ')})`);
  }
}
