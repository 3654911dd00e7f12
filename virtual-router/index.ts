/**
 * The virtual router VNF: day-0 config format, ESP engine, TUN I/O, data
 * path and CCIPS agent. Other modules reach a running router only over the
 * network (NETCONF); they may import its config type to write day-0 files.
 */
export type { RouterConfig } from './config.js';
export type { UdpWireConfig, UdpWirePortConfig, UdpWireRoute, WireFraming } from './wire/wire-config.js';
export { checkRouterConfig } from './config.js';
export * from './constants.js';
export { routerMainPath } from './program.js';
export { QNFV_ROUTER_NS, datapathCountersFromXml } from './counters-xml.js';
