/**
 * UDP wires: the packet I/O of routers and site hosts under the `local` VIM
 * driver (no root, no TUN, no namespaces). A port is a UDP socket on its own
 * loopback address; a virtual link is the set of sockets on the link's UDP
 * port; LAN datagrams carry raw IPv4 packets, WAN datagrams ESP-in-UDP
 * (RFC 3948). `WireDatapath` puts the ESP engine between a router's ports.
 */
export { checkUdpWireConfig, type UdpWireConfig, type UdpWirePortConfig, type UdpWireRoute, type WireFraming } from './wire-config.js';
export { memberEndpoint, memberEndpointOf, memberAddress, parseCidrText, inSubnet, LOOPBACK_NETWORK, type WireEndpoint, type Ipv4Cidr } from './wire-address.js';
export { classifyDatagram, DatagramKind, NON_ESP_MARKER } from './wire-framing.js';
export { UdpWire, type WirePort, type WirePortStats, type WireReceiver } from './udp-wire.js';
export { WireCapture, readWireCapture, describeDatagram, type CapturedDatagram, type DatagramContent } from './wire-capture.js';
export { WireRouteTable, type RouteTarget } from './wire-routes.js';
export { WireDatapath, type WireDatapathStats, type WireDropCounters } from './wire-datapath.js';
export { answerEcho, decrementTtl, echoRequest, readEcho, udpPacket, readUdp, IPPROTO_ICMP, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, DEFAULT_TTL, type EchoMessage } from './ip-packets.js';
