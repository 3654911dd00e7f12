/**
 * Constants of the VIM layer: first the limits fixed by specs and the kernel
 * (cited), then tunables. Names and labels follow CONTRACTS.md "Names and
 * labels of what the VIM creates".
 */

// ---- Spec and kernel constants ----

/** Linux IFNAMSIZ (16) minus the NUL: the longest interface name (include/uapi/linux/if.h). */
export const IFNAME_MAX = 15;

/** Linux IFALIASZ (256) minus the NUL: the longest `ip link set … alias` (include/uapi/linux/if.h). */
export const IFALIAS_MAX = 255;

/** RFC 6598 shared address space, the pool management /30s are taken from. */
export const MGMT_POOL = '100.64.0.0/10';

/** RFC 3021 aside, a point-to-point IPv4 link with network and broadcast addresses is a /30. */
export const MGMT_PREFIX_LENGTH = 30;

/** The TUN/TAP clone device (Documentation/networking/tuntap.rst). */
export const TUN_DEVICE = '/dev/net/tun';

/** Exit status a shell reports for a command that was not found (POSIX 2.8.2); the runner uses it for ENOENT. */
export const EXIT_NOT_FOUND = 127;

// ---- Naming (CONTRACTS.md) ----

/** Every namespace this layer creates starts with this, then `-<install8>-<instance8>-<role>`. */
export const NAMESPACE_PREFIX = 'qnfv';

/** Every Linux interface this layer names starts with this, then 6 hex digits of a hash and a role. */
export const LINK_PREFIX = 'q';

/** Hex digits of the hash in an interface name. */
export const LINK_HASH_HEX = 6;

/** Characters of the installation and instance ids that go into a namespace name. */
export const ID_PREFIX_CHARS = 8;

/** Role suffix of the root-side end of a management veth (`q<6hex>m`). */
export const MGMT_ROLE = 'm';

/** Role suffix of a network's bridge inside its namespace (`q<6hex>b`). */
export const BRIDGE_ROLE = 'b';

/** The router-side end of the management veth. */
export const ROUTER_MGMT_IFNAME = 'mgmt0';

/**
 * Interface index of a router's `mgmt0`; ports (a host's `eth0` too) get the
 * next ones. Why fixed indexes: the kernel treats a link event
 * as urgent only when a device's ifindex differs from its iflink
 * (net/core/link_watch.c, linkwatch_urgent_event), and a veth's iflink is its
 * peer's ifindex — in another namespace, where small indexes coincide often.
 * A coinciding pair gets its carrier up to a second late, so a bridge drops
 * the first frames. Node namespaces are ours alone, so high fixed indexes there
 * never coincide with the small ones of the network namespaces.
 */
export const NODE_IFINDEX_BASE = 1000;

/** A site host's one interface. */
export const HOST_IFNAME = 'eth0';

/** Namespace role prefix of a virtual link's namespace (`…-net-<vl-id>`). */
export const NETWORK_ROLE_PREFIX = 'net-';

/** Key prefix of the labels carried in interface aliases (same keys as the Docker labels). */
export const LABEL_PREFIX = 'qnfv.';

// ---- Tunables ----

/** Where the per-instance state records live; `<installationId>` is appended. */
export const DEFAULT_STATE_ROOT = '/run/qnfv/vim';

/** How long a command may run before the runner kills it. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

/** Largest stdout/stderr a command may print. */
export const COMMAND_MAX_BUFFER = 16 * 1024 * 1024;

/** How long a started program must stay up before it counts as started. */
export const PROGRAM_SETTLE_MS = 100;

/** Grace between SIGTERM and SIGKILL when an instance's processes are stopped. */
export const KILL_GRACE_MS = 1_000;

/** How long to wait for a SIGKILLed process to disappear. */
export const KILL_WAIT_MS = 2_000;

/** Rounds of list-and-stop before a namespace is deleted (a dying process may fork). */
export const STOP_ROUNDS = 3;

/** Poll interval while waiting for processes to exit. */
export const KILL_POLL_MS = 20;

/** How long a new node's links may take to become operationally up. */
export const LINK_UP_WAIT_MS = 3_000;

/** Poll interval while waiting for links to come up. */
export const LINK_POLL_MS = 10;

/** Random picks the IPAM tries before it scans the pool in order. */
export const IPAM_RANDOM_TRIES = 64;
