/**
 * Packet I/O for the virtual router: the batched `PacketIo` interface, a
 * Linux TUN implementation over the project's N-API addon (native/tun.c,
 * built with `npm run build:native`), reusable packet batches with headroom,
 * and a stoppable read loop for a worker thread.
 */
export * from './constants.js';
export type { PacketIo } from './packet-io.js';
export { createPacketBatch, type PacketBatch, type PacketBatchLayout } from './packet-batch.js';
export { runReadLoop, type ReadLoopOptions, type ReadLoopResult } from './read-loop.js';
export { StopFlag } from './stop-flag.js';
export { TunIoError } from './tun-error.js';
export { TunDevice, openTun, checkTunName, type OpenTunOptions, type TunDeviceStats } from './tun-device.js';
export { loadTunAddon, findProjectRoot, ADDON_RELATIVE_PATH, type TunAddon } from './tun-addon.js';
