/**
 * Constants of the docker VIM driver (containers + Open vSwitch), kept next
 * to it; the names and label keys shared with the netns driver stay in
 * ../constants.ts. Spec and kernel constants first (cited), then tunables.
 */

// ---- Spec and external constants ----

/** dockerd's default API socket (dockerd(8) `-H`). */
export const DOCKER_SOCKET = '/var/run/docker.sock';

/** OpenFlow version of every flow table this driver writes (`ovs-ofctl -O`; `table=` needs 1.3+). */
export const OPENFLOW_VERSION = 'OpenFlow13';

/**
 * NXM registers (ovs-fields(7)): REG0 carries the virtual network of the
 * frame's ingress port, REG1 is 1 when it entered through an inter-domain
 * patch port (split horizon: such frames never go out through another one).
 */
export const NETWORK_REGISTER = 'NXM_NX_REG0[]';
export const TRUNK_REGISTER = 'NXM_NX_REG1[]';

/** OpenFlow tables: 0 classifies by ingress port, 1 forwards within the network. */
export const CLASSIFY_TABLE = 0;
export const FORWARD_TABLE = 1;

/** Flow priorities inside a table. */
export const PRIORITY_PORT = 100;
export const PRIORITY_FLOOD = 50;
export const PRIORITY_DROP = 0;

/** The largest value of a 32-bit register; networks per bridge are numbered 1..n. */
export const REGISTER_MAX = 0xffff_ffff;

/** IANA UDP port of VXLAN (RFC 7348 §5). */
export const VXLAN_PORT = 4789;

/** VXLAN network identifiers are 24 bits (RFC 7348 §5); 0 is left unused. */
export const VNI_MAX = 0xff_ffff;

/** Bytes VXLAN adds over IPv4: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 (RFC 7348 §5). */
export const VXLAN_OVERHEAD = 50;

/** MTU of the container ports and so of the overlay (Ethernet's default, RFC 894). */
export const OVERLAY_MTU = 1500;

// ---- Names ----

/** Role suffix of a domain's OVS bridge (`q<6hex>ovs`, hash of installation + domain). */
export const OVS_BRIDGE_ROLE = 'ovs';

/** Role suffix of an inter-domain patch port (`q<6hex>p`). */
export const PATCH_ROLE = 'p';

/** Role suffix of an inter-domain VXLAN device (`q<6hex>x`). */
export const VXLAN_ROLE = 'x';

/** Role suffix of an underlay veth end between two domains' underlay namespaces (`q<6hex>u`). */
export const UNDERLAY_ROLE = 'u';

/** A domain's underlay namespace is `qnfv-<install8>-underlay-<domain>`. */
export const UNDERLAY_NAMESPACE_ROLE = 'underlay';

/** External id on OVS bridges, ports and Docker images naming what the resource is. */
export const KIND_KEY = 'qnfv.kind';

/** External id on an inter-domain port (patch or VXLAN): the domain whose bridge is at the other end. */
export const PEER_DOMAIN_KEY = 'qnfv.peer-domain';

/** External id on a domain bridge: how it joins other domains' bridges (`patch` or `vxlan`). */
export const INTER_DOMAIN_KEY = 'qnfv.inter-domain';

/** External id on a domain bridge in VXLAN mode: the domain's VTEP address on the underlay. */
export const UNDERLAY_ADDRESS_KEY = 'qnfv.underlay-address';

/** External id on a VXLAN port: its VNI. */
export const VNI_KEY = 'qnfv.vni';

/** `qnfv.kind` of what the VXLAN underlay consists of (namespace `lo` and veth aliases, VXLAN ports). */
export const UNDERLAY_KIND = 'underlay';
export const VXLAN_KIND = 'vxlan';

/** External id carrying a port's virtual link id (the instance id is a label of its own). */
export const NETWORK_KEY = 'qnfv.vl';

/** OVS's conventional external id for the MAC address behind a port (ovs-docker, OVN). */
export const ATTACHED_MAC_KEY = 'attached-mac';

/** Repository of the router image; the tag is 12 hex digits of its inputs' hash. */
export const ROUTER_IMAGE_REPOSITORY = 'qnfv-router';

/** Docker label on the image holding the full inputs hash. */
export const IMAGE_HASH_LABEL = 'qnfv.image-hash';

/** Bump when the image layout changes in a way the inputs do not show. */
export const IMAGE_FORMAT_VERSION = 'qnfv-router-image/1';

/** Inside a container: the file whose appearance lets the program start (written once the container is wired). */
export const START_FLAG_PATH = '/tmp/.qnfv-wired';

/** Busybox in the image: the start gate, the log redirection, `sleep inf` for hosts, a shell for debugging. */
export const BUSYBOX = 'busybox';

// ---- Tunables ----

/** Timeout of one ovs-vsctl call (its own `--timeout`, seconds). */
export const OVS_VSCTL_TIMEOUT_S = 10;

/** Poll interval of the start gate inside a container (busybox sleep, seconds). */
export const START_GATE_POLL_S = '0.02';

/** How long a started program must stay up before the router counts as started. */
export const CONTAINER_SETTLE_MS = 150;

/** How long to look for the program's pid under the container's init. */
export const PROGRAM_PID_WAIT_MS = 2_000;

/** Seconds Docker waits after SIGTERM before SIGKILL when a container is stopped. */
export const STOP_TIMEOUT_S = 1;
