/** The in-process two-domain lab used by the demo and the end-to-end tests. */
export { TwoDomainLab, type LabDomain, type LabOptions } from './two-domain-lab.js';
export { startCapture, bridgePort, dockerWanPort, type Capture } from './wan-capture.js';
