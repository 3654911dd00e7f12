/** What fills the key stores of a link: the CSPRNG stand-in (fast, default) or the BB84 simulator. */
export * from './csprng-link.js';
export * from './bb84-sim-link.js';
