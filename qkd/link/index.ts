/** Simulated QKD links. Today only the CSPRNG stand-in; the BB84 simulator comes later. */
export * from './csprng-link.js';
