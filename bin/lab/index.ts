/** The in-process multi-domain lab used by the demo, the end-to-end tests and the benchmarks. */
export { DomainLab, type LabDomain, type LabDomains, type LabOptions } from './domain-lab.js';
export { startCapture, bridgePort, dockerWanPort, type Capture } from './wan-capture.js';
