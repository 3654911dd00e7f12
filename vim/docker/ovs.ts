/**
 * Open vSwitch for the docker driver, through `ovs-vsctl` and `ovs-ofctl`
 * with argument arrays (no OVSDB client exists on this registry; FEASIBILITY
 * §2): one userspace bridge per domain (`datapath_type=netdev`,
 * `fail_mode=secure`, so nothing passes before our flows are in), ports
 * labelled in `external_ids`, and virtual networks isolated by an OpenFlow
 * 1.3 table computed from those labels alone:
 *  - table 0 classifies by ingress port: REG0 := the port's network number,
 *    REG1 := 1 for an inter-domain port (patch port or VXLAN device, marked
 *    by `qnfv.peer-domain`); anything else is dropped;
 *  - table 1 sends a frame for a known MAC of the same network to its port,
 *    and floods everything else (broadcast, multicast, unknown unicast, e.g.
 *    a MAC behind an inter-domain port) to the network's ports only — but a frame that
 *    came through an inter-domain port never leaves through another one (split
 *    horizon: three domains' bridges in a full mesh do not loop).
 * Network numbers are per bridge, stored on each port (`qnfv.reg`) when it is
 * added and reused by later ports of the same network, so flows stay put.
 * A bridge's whole table is replaced in one OpenFlow bundle
 * (`--bundle replace-flows`): never a half-written table.
 */
import { DriverError } from '../../common/index.js';
import type { CommandRunner } from '../command-runner.js';
import {
  ATTACHED_MAC_KEY,
  CLASSIFY_TABLE,
  FORWARD_TABLE,
  NETWORK_REGISTER,
  OPENFLOW_VERSION,
  OVS_VSCTL_TIMEOUT_S,
  PEER_DOMAIN_KEY,
  PRIORITY_DROP,
  PRIORITY_FLOOD,
  PRIORITY_PORT,
  REGISTER_MAX,
  TRUNK_REGISTER,
} from './docker-constants.js';

/** External id holding a port's network number on its bridge. */
export const REGISTER_KEY = 'qnfv.reg';

/** A bridge as OVSDB has it. */
export interface OvsBridge {
  name: string;
  externalIds: Record<string, string>;
  /** Names of its ports (the bridge's own internal port included). */
  ports: string[];
}

/** A port (with its single interface) as OVSDB has it. */
export interface OvsPort {
  name: string;
  bridge: string;
  /** Interface type: '' (system device), 'patch', 'internal', … */
  type: string;
  /** OpenFlow port number; -1 or 0 while the device cannot be opened. */
  ofport: number;
  externalIds: Record<string, string>;
  options: Record<string, string>;
}

/** Everything on the switch. */
export interface OvsInventory {
  bridges: OvsBridge[];
  ports: OvsPort[];
}

/** A port as the flow table sees it. */
export interface FlowPort {
  ofport: number;
  /** Network number on this bridge (1..2^32-1). */
  network: number;
  /** MAC address behind the port (container ports); none for inter-domain ports. */
  mac?: string;
  /** True for an inter-domain port (patch or VXLAN). */
  trunk: boolean;
}

/** One flow of `dump-flows` with its counters. */
export interface FlowStat {
  cookie: number;
  table: number;
  priority: number;
  /** Match fields as printed, e.g. `reg0=0x1,dl_dst=02:…`. */
  match: string;
  actions: string;
  packets: number;
  bytes: number;
}

type OvsdbValue = string | number | boolean | [string, unknown];

/** An OVSDB JSON value that is a map: `["map", [[k, v], …]]`. */
function ovsMap(v: OvsdbValue): Record<string, string> {
  if (Array.isArray(v) && v[0] === 'map') return Object.fromEntries((v[1] as [string, string][]).map(([k, x]) => [k, String(x)]));
  return {};
}

/** An OVSDB JSON set of uuids (a single one is printed bare). */
function ovsUuids(v: OvsdbValue): string[] {
  if (Array.isArray(v) && v[0] === 'uuid') return [v[1] as string];
  if (Array.isArray(v) && v[0] === 'set') return (v[1] as [string, string][]).map((u) => u[1]);
  return [];
}

function ovsUuid(v: OvsdbValue): string {
  return ovsUuids(v)[0] ?? '';
}

/** A single-valued optional column (`ofport` is `["set", []]` while unassigned). */
function ovsNumber(v: OvsdbValue): number {
  return typeof v === 'number' ? v : -1;
}

interface OvsTable {
  data: OvsdbValue[][];
  headings: string[];
}

/** Join several ovs-vsctl commands into one invocation: `cmd1 -- cmd2 -- …`. */
export function vsctlArgv(commands: readonly (readonly string[])[], opts: { json?: boolean } = {}): string[] {
  const argv = ['ovs-vsctl', `--timeout=${OVS_VSCTL_TIMEOUT_S}`, ...(opts.json ? ['--format=json'] : [])];
  commands.forEach((c, i) => argv.push(...(i > 0 ? ['--'] : []), ...c));
  return argv;
}

/** `column:key=value` arguments of `set` for external_ids (values quoted: MACs hold colons). */
export function externalIdArgs(ids: Record<string, string>): string[] {
  return Object.entries(ids).map(([k, v]) => `external_ids:${k}=${JSON.stringify(v)}`);
}

/** The flow table of a bridge whose ports are `ports` (see the file comment); sorted lines for `replace-flows`. */
export function computeFlows(ports: readonly FlowPort[]): string[] {
  const flows: string[] = [`table=${CLASSIFY_TABLE},priority=${PRIORITY_DROP},actions=drop`, `table=${FORWARD_TABLE},priority=${PRIORITY_DROP},actions=drop`];
  const networks = new Map<number, FlowPort[]>();
  for (const p of ports) {
    if (p.ofport <= 0) continue;
    if (!Number.isInteger(p.network) || p.network < 1 || p.network > REGISTER_MAX) throw new DriverError(['ovs-ofctl'], null, `bad network number ${p.network}`);
    networks.set(p.network, [...(networks.get(p.network) ?? []), p]);
  }
  const output = (ps: readonly FlowPort[]): string => (ps.length > 0 ? ps.map((p) => `output:${p.ofport}`).join(',') : 'drop');
  for (const [n, members] of [...networks].sort((a, b) => a[0] - b[0])) {
    const cookie = `cookie=0x${n.toString(16)}`;
    for (const p of members) {
      flows.push(`table=${CLASSIFY_TABLE},${cookie},priority=${PRIORITY_PORT},in_port=${p.ofport},actions=load:${n}->${NETWORK_REGISTER},load:${p.trunk ? 1 : 0}->${TRUNK_REGISTER},resubmit(,${FORWARD_TABLE})`);
      if (p.mac && !p.trunk) flows.push(`table=${FORWARD_TABLE},${cookie},priority=${PRIORITY_PORT},reg0=${n},dl_dst=${p.mac},actions=output:${p.ofport}`);
    }
    // Output to the ingress port is skipped by OpenFlow, so the flood lists may include the sender.
    flows.push(`table=${FORWARD_TABLE},${cookie},priority=${PRIORITY_FLOOD},reg0=${n},reg1=0,actions=${output(members)}`);
    flows.push(`table=${FORWARD_TABLE},${cookie},priority=${PRIORITY_FLOOD},reg0=${n},reg1=1,actions=${output(members.filter((p) => !p.trunk))}`);
  }
  return flows;
}

/** Parse `ovs-ofctl dump-flows` output. */
export function parseFlowStats(text: string): FlowStat[] {
  const out: FlowStat[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*cookie=(0x[0-9a-f]+),.*?table=(\d+), n_packets=(\d+), n_bytes=(\d+),.*?priority=(\d+),?(\S*) actions=(\S+)/.exec(line);
    if (!m) continue;
    out.push({
      cookie: Number(m[1]),
      table: Number(m[2]),
      packets: Number(m[3]),
      bytes: Number(m[4]),
      priority: Number(m[5]),
      match: m[6] ?? '',
      actions: m[7] as string,
    });
  }
  return out;
}

/** The smallest network number not used on the bridge, or the one its network already has. */
export function networkNumber(ports: readonly OvsPort[], bridge: string, isSameNetwork: (p: OvsPort) => boolean): number {
  const onBridge = ports.filter((p) => p.bridge === bridge && p.externalIds[REGISTER_KEY] !== undefined);
  const known = onBridge.find(isSameNetwork);
  if (known) return Number(known.externalIds[REGISTER_KEY]);
  const used = new Set(onBridge.map((p) => Number(p.externalIds[REGISTER_KEY])));
  let n = 1;
  while (used.has(n)) n++;
  return n;
}

/** ovs-vsctl / ovs-ofctl through a CommandRunner. */
export class Ovs {
  constructor(private readonly runner: CommandRunner) {}

  /** Run several ovs-vsctl commands in one transaction. */
  async vsctl(commands: readonly (readonly string[])[]): Promise<string> {
    if (commands.length === 0) return '';
    return (await this.runner.run(vsctlArgv(commands))).stdout;
  }

  /** Bridges, ports and interfaces in one read. */
  async inventory(): Promise<OvsInventory> {
    const { stdout } = await this.runner.run(
      vsctlArgv(
        [
          ['--columns=_uuid,name,external_ids,ports', 'list', 'Bridge'],
          ['--columns=_uuid,name,interfaces', 'list', 'Port'],
          ['--columns=_uuid,name,type,ofport,external_ids,options', 'list', 'Interface'],
        ],
        { json: true },
      ),
    );
    const [bridgesT, portsT, ifacesT] = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as OvsTable);
    if (!bridgesT || !portsT || !ifacesT) throw new DriverError(['ovs-vsctl', 'list'], null, `unexpected output: ${stdout.slice(0, 200)}`);
    const rows = (t: OvsTable): Record<string, OvsdbValue>[] => t.data.map((r) => Object.fromEntries(t.headings.map((h, i) => [h, r[i] as OvsdbValue])));
    const ifaces = new Map(rows(ifacesT).map((r) => [ovsUuid(r._uuid as OvsdbValue), r]));
    const portRows = new Map(rows(portsT).map((r) => [ovsUuid(r._uuid as OvsdbValue), r]));
    const bridges: OvsBridge[] = [];
    const ports: OvsPort[] = [];
    for (const b of rows(bridgesT)) {
      const name = String(b.name);
      const portNames: string[] = [];
      for (const pu of ovsUuids(b.ports as OvsdbValue)) {
        const p = portRows.get(pu);
        if (!p) continue;
        portNames.push(String(p.name));
        const iface = ifaces.get(ovsUuids(p.interfaces as OvsdbValue)[0] ?? '');
        if (!iface) continue;
        ports.push({
          name: String(p.name),
          bridge: name,
          type: String(iface.type ?? ''),
          ofport: ovsNumber(iface.ofport as OvsdbValue),
          externalIds: ovsMap(iface.external_ids as OvsdbValue),
          options: ovsMap(iface.options as OvsdbValue),
        });
      }
      bridges.push({ name, externalIds: ovsMap(b.external_ids as OvsdbValue), ports: portNames });
    }
    return { bridges, ports };
  }

  /** Replace the bridge's whole flow table atomically (one OpenFlow bundle). */
  async replaceFlows(bridge: string, flows: readonly string[]): Promise<void> {
    await this.runner.run(['ovs-ofctl', '-O', OPENFLOW_VERSION, '--bundle', 'replace-flows', bridge, '-'], { input: flows.join('\n') + '\n' });
  }

  /** The bridge's flows with their counters. */
  async dumpFlows(bridge: string): Promise<FlowStat[]> {
    return parseFlowStats((await this.runner.run(['ovs-ofctl', '-O', OPENFLOW_VERSION, 'dump-flows', bridge])).stdout);
  }

  /** Recompute a bridge's table from its labelled ports and load it. */
  async syncFlows(bridge: string, inventory?: OvsInventory): Promise<string[]> {
    const inv = inventory ?? (await this.inventory());
    if (!inv.bridges.some((b) => b.name === bridge)) return [];
    const flows = computeFlows(
      inv.ports
        .filter((p) => p.bridge === bridge && p.externalIds[REGISTER_KEY] !== undefined)
        .map((p) => ({
          ofport: p.ofport,
          network: Number(p.externalIds[REGISTER_KEY]),
          trunk: p.type === 'patch' || p.externalIds[PEER_DOMAIN_KEY] !== undefined,
          ...(p.externalIds[ATTACHED_MAC_KEY] ? { mac: p.externalIds[ATTACHED_MAC_KEY] } : {}),
        })),
    );
    await this.replaceFlows(bridge, flows);
    return flows;
  }
}
