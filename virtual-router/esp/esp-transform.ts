/**
 * The cryptographic transform of one SA: how an ESP packet is sealed and opened
 * in place (RFC 4303 §3.3.2 and §3.4.4), whatever the algorithm. Implemented by
 * AES-GCM-16 (aes-gcm.ts, RFC 4106) and AES-CBC + HMAC-SHA-256-128
 * (aes-cbc-hmac.ts, RFC 3602 + RFC 4868).
 * Layout, offsets into one Buffer: `espStart` SPI ‖ seq-low ‖ IV ‖ ciphertext
 * (payload ‖ padding ‖ pad length ‖ next header) ‖ ICV at `icvStart`.
 */

/** One SA's crypto: keys, IV policy, ICV. Keys are zeroed by `dispose()`. */
export interface EspTransform {
  /** Explicit IV bytes after the ESP header. */
  readonly ivLength: number;
  /** ICV bytes after the ciphertext. */
  readonly icvLength: number;
  /** The ciphertext (payload + padding + trailer) is a multiple of this (RFC 4303 §2.4). */
  readonly padAlign: number;
  /** Write the IV for the packet with 64-bit sequence number (seqHi, seqLo) at `ivStart`. */
  writeIv(buf: Buffer, ivStart: number, seqHi: number, seqLo: number): void;
  /**
   * Encrypt `buf[espStart + 8 + ivLength, icvStart)` in place and write the ICV at
   * `icvStart`. SPI, seq-low and IV are read from the buffer; `seqHi` is the
   * implicit ESN high half (ignored without ESN).
   */
  seal(buf: Buffer, espStart: number, icvStart: number, seqHi: number): void;
  /** Verify the ICV and decrypt in place; false (buffer unchanged) when the ICV does not verify. */
  open(buf: Buffer, espStart: number, icvStart: number, seqHi: number): boolean;
  /** Zero the key material this transform holds. */
  dispose(): void;
}
