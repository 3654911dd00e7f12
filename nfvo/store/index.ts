/** NFVO persistence: the Store interface and its embedded file implementation. */
export type { Collection, Store } from './store.js';
export { FileStore } from './file-store.js';
