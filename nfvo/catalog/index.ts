/** The NFVO catalog: VNF packages and NS descriptors. */
export { Catalog } from './catalog.js';
