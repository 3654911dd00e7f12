/**
 * Capability checks (HOUSE-STYLE.md 2): every driver declares what it can do
 * as a set; asking for anything else throws NotSupportedError naming the
 * driver and the capability, instead of silently doing nothing.
 */
import { NotSupportedError } from '../common/index.js';
import type { VimCapability, VimDriver } from './types.js';

/** Every capability there is (the netns driver has them all). */
export const ALL_CAPABILITIES: readonly VimCapability[] = ['networks', 'routers', 'hosts', 'programs', 'tun', 'management-link', 'exec', 'reconcile'];

/** Throw NotSupportedError unless the driver declares the capability. */
export function requireCapability(driver: Pick<VimDriver, 'kind' | 'capabilities'>, capability: VimCapability): void {
  if (!driver.capabilities.has(capability)) {
    throw new NotSupportedError(`the '${driver.kind}' VIM driver does not support '${capability}'`);
  }
}
