/**
 * Userspace ESP data plane of the virtual router: RFC 4303 tunnel mode, inner
 * and outer IPv4 or IPv6 (RFC 8200, extension headers walked), with AES-GCM-16 (RFC 4106) or AES-CBC + HMAC-SHA-256-128 (RFC 3602,
 * RFC 4868), 32-bit or extended sequence numbers, an RFC 6479 anti-replay
 * window, RFC 9061 SAD/SPD entries, lifetimes and notifications, and plain ESP
 * or ESP-in-UDP (RFC 3948, the SA's `encapsulation-type`).
 *
 * Usage, batch-shaped (no sockets, no TUN here):
 *
 *   const engine = new EspEngine({ localAddresses: ['198.51.100.1'], onEvent: (e) => agent.notify(e) });
 *   engine.addSa(sadEntry);            // ValidationError names the unusable field; keys are copied
 *   engine.addPolicy(spdEntry);        // ordered, first match wins
 *   const batch = new PacketBatch({ size: 64 });
 *   // reader: n = read(tun, batch.readView(i)); batch.setPacket(i, n); … batch.count = k;
 *   engine.process(batch);
 *   // writer: for i < batch.count: if (isWrite(batch.verdicts[i])) write(tun, batch.output(i)!)
 *   //         else batch.reasons[i] is a DropReason (see DROP_REASON_NAMES)
 *   setInterval(() => engine.tick(), 1000);   // time/idle lifetimes
 *
 * Results stay in the slot's buffer: encryption writes the outer IP header,
 * ESP header and IV into the headroom and padding, trailer and ICV into the
 * tailroom. Crypto runs in place on the native addon (native/esp-crypto.c,
 * OpenSSL contexts keyed once per SA, nothing allocated per packet); without
 * the addon, or with `crypto: 'node'`, on node:crypto, which needs one
 * Cipher/Decipher (and for CBC one Hmac) per packet since the IV changes.
 * `engine.saState(name)` gives RFC 9061 `ipsec-sa-state`; `engine.counters()`
 * the drops by reason; `engine.deleteSa(name)` zeroes that SA's keys.
 */
export { EspEngine } from './esp-engine.js';
export type { AddSaOptions, EngineCounters, EspEngineOptions, SaInfo } from './esp-engine.js';
export type { CryptoChoice } from './crypto-backend.js';
export { PacketBatch } from './packet-batch.js';
export type { PacketBatchOptions } from './packet-batch.js';
export { DROP_REASON_NAMES, DropReason, Verdict, dropReasonName, isWrite } from './drop-reason.js';
export type { DropReasonName } from './drop-reason.js';
export type { SaCounters } from './security-association.js';
export { ReplayWindow, ReplayCheck } from './replay-window.js';
export * as espConstants from './constants.js';
