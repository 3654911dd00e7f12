/**
 * The schema tree of RFC 9061 `ietf-i2nsf-ikeless` (revision 2021-07-14, with
 * the `ietf-i2nsf-ikec` groupings expanded) as data: node kinds, leaf types,
 * mandatory leaves, defaults, `when` and `must` conditions, nodes in the order
 * the YANG defines them (RFC 7950 §7.5.7 and §7.8.5: XML instance data follows
 * that order). Both codecs walk it, so the structure is written down once.
 * Caveat: `when`/`must` are coded by hand for the few expressions the module has.
 */
import { enumType, uintType, type LeafType } from './leaf-types.js';

/** Encoding-independent instance data: leaves hold canonical lexical strings. */
export interface Tree {
  [name: string]: TreeValue | undefined;
}
export type TreeValue = string | string[] | Tree | Tree[];

/** `when "../<leaf> = '<equals>'"`: a sibling leaf (or its default) has this value. */
export interface When {
  leaf: string;
  equals: string;
}

/** A `must` expression, evaluated in the context of the node's parent. */
export interface Must {
  test: (parent: Tree) => boolean;
  message: string;
}

interface Common {
  name: string;
  must?: Must;
}
export interface LeafSchema extends Common {
  kind: 'leaf';
  type: LeafType;
  mandatory?: boolean;
  default?: string;
  /** `nacm:default-deny-all` key material: left out of `withKeys: false` output. */
  secret?: boolean;
}
export interface LeafListSchema extends Common {
  kind: 'leaf-list';
  type: LeafType;
}
export interface ContainerSchema extends Common {
  kind: 'container';
  children: SchemaNode[];
  /** `config false` subtree. */
  state?: boolean;
  when?: When;
  /** Left out of problem paths (`sad`, `spd`: each holds only its list). */
  pathless?: boolean;
}
export interface ListSchema extends Common {
  kind: 'list';
  keys: string[];
  children: SchemaNode[];
}
export type SchemaNode = LeafSchema | LeafListSchema | ContainerSchema | ListSchema;

/** The string value of a leaf in a tree, if it is one. */
export function leafOf(tree: Tree, name: string): string | undefined {
  const v = tree[name];
  return typeof v === 'string' ? v : undefined;
}

const leaf = (name: string, type: LeafType, extra: Partial<LeafSchema> = {}): LeafSchema => ({ kind: 'leaf', name, type, ...extra });
const leafList = (name: string, type: LeafType): LeafListSchema => ({ kind: 'leaf-list', name, type });
const container = (name: string, children: SchemaNode[], extra: Partial<ContainerSchema> = {}): ContainerSchema => ({
  kind: 'container',
  name,
  children,
  ...extra,
});
/** A list; its key leaves are mandatory. */
const list = (name: string, keys: string[], children: SchemaNode[], must?: Must): ListSchema => ({
  kind: 'list',
  name,
  keys,
  children: children.map((c) => (c.kind === 'leaf' && keys.includes(c.name) ? { ...c, mandatory: true } : c)),
  ...(must ? { must } : {}),
});

const STRING: LeafType = { kind: 'string' };
const BOOL: LeafType = { kind: 'boolean' };
const U16 = uintType(16);
const U32 = uintType(32);
const U64 = uintType(64);
/** uint64/counter64 leaves that `SadEntryState` keeps as numbers: larger values are refused, not rounded. */
const U64_NUMBER = uintType(64, 'uint64, held as a JS number', BigInt(Number.MAX_SAFE_INTEGER));
const COUNTER64_NUMBER = uintType(64, 'yang:counter64, held as a JS number', BigInt(Number.MAX_SAFE_INTEGER));
const PORT = uintType(16, 'inet:port-number');
const DSCP = uintType(8, 'inet:dscp', 63n);
const HEX: LeafType = { kind: 'hex-string' };
const PREFIX: LeafType = { kind: 'ip-prefix' };
const ADDRESS: LeafType = { kind: 'ip-address' };
const MODE = enumType('transport', 'tunnel');
const PROTOCOL = enumType('esp');

/** `port-range` grouping, with its `must '. >= ../start'`. */
const portRange = (name: string): ListSchema =>
  list(name, ['start', 'end'], [
    leaf('start', PORT),
    leaf('end', PORT, {
      must: {
        test: (p) => BigInt(leafOf(p, 'end') ?? '0') >= BigInt(leafOf(p, 'start') ?? '0'),
        message: 'The end port number MUST be equal or greater than the start port number.',
      },
    }),
  ]);

/** `selector-grouping`. */
const selector = (): SchemaNode[] => [
  leaf('local-prefix', PREFIX, { mandatory: true }),
  leaf('remote-prefix', PREFIX, { mandatory: true }),
  leaf('inner-protocol', { kind: 'inner-protocol' }, { default: 'any' }),
  portRange('local-ports'),
  portRange('remote-ports'),
];

/** `lifetime` grouping. */
const lifetime = (): SchemaNode[] => [
  leaf('time', U32, { default: '0' }),
  leaf('bytes', U64, { default: '0' }),
  leaf('packets', U32, { default: '0' }),
  leaf('idle', U32, { default: '0' }),
];

/** `tunnel-grouping`. */
const tunnel = (): SchemaNode[] => [
  leaf('local', ADDRESS, { mandatory: true }),
  leaf('remote', ADDRESS, { mandatory: true }),
  leaf('df-bit', enumType('clear', 'set', 'copy'), { default: 'clear' }),
  leaf('bypass-dscp', BOOL, { default: 'true' }),
  list('dscp-mapping', ['id'], [leaf('id', uintType(8)), leaf('inner-dscp', DSCP), leaf('outer-dscp', DSCP, { default: '0' })], {
    test: (p) => leafOf(p, 'bypass-dscp') === 'false',
    message: 'dscp-mapping needs bypass-dscp false',
  }),
];

/** `spd/spd-entry` (RFC 9061 `ietf-i2nsf-ikeless`, `ipsec-policy-grouping`). */
export const SPD_ENTRY: ListSchema = list('spd-entry', ['name'], [
  leaf('name', STRING),
  leaf('direction', enumType('inbound', 'outbound'), { mandatory: true }),
  leaf('reqid', U64, { default: '0' }),
  container('ipsec-policy-config', [
    leaf('anti-replay-window-size', U32, { default: '64' }),
    container('traffic-selector', selector()),
    container('processing-info', [
      leaf('action', enumType('protect', 'bypass', 'discard'), { default: 'discard' }),
      container(
        'ipsec-sa-cfg',
        [
          leaf('pfp-flag', BOOL, { default: 'false' }),
          leaf('ext-seq-num', BOOL, { default: 'false' }),
          leaf('seq-overflow', BOOL, { default: 'false' }),
          leaf('stateful-frag-check', BOOL, { default: 'false' }),
          leaf('mode', MODE, { default: 'transport' }),
          leaf('protocol-parameters', PROTOCOL, { default: 'esp' }),
          container(
            'esp-algorithms',
            [
              leafList('integrity', U16),
              list('encryption', ['id'], [
                leaf('id', U16),
                leaf('algorithm-type', U16, { default: '20' }),
                leaf('key-length', U16, { default: '128' }),
              ]),
              leaf('tfc-pad', BOOL, { default: 'false' }),
            ],
            { when: { leaf: 'protocol-parameters', equals: 'esp' } },
          ),
          container('tunnel', tunnel(), { when: { leaf: 'mode', equals: 'tunnel' } }),
        ],
        { when: { leaf: 'action', equals: 'protect' } },
      ),
    ]),
  ]),
]);

/** `sad/sad-entry/ipsec-sa-state` (config false). */
export const SA_STATE: ContainerSchema = container(
  'ipsec-sa-state',
  [
    container('sa-lifetime-current', lifetime()),
    container('replay-stats', [
      container('replay-window', [leaf('w', U32), leaf('t', U64_NUMBER), leaf('b', U64_NUMBER)]),
      leaf('packet-dropped', COUNTER64_NUMBER),
      leaf('failed', COUNTER64_NUMBER),
      leaf('seq-number-counter', U64),
    ]),
  ],
  { state: true },
);

/** `sad/sad-entry` (RFC 9061 `ietf-i2nsf-ikeless`). */
export const SAD_ENTRY: ListSchema = list('sad-entry', ['name'], [
  leaf('name', STRING),
  leaf('reqid', U64, { default: '0' }),
  container('ipsec-sa-config', [
    leaf('spi', U32, { mandatory: true }),
    leaf('ext-seq-num', BOOL, { default: 'true' }),
    leaf('seq-overflow', BOOL, { default: 'false' }),
    leaf('anti-replay-window-size', U32, { default: '64' }),
    container('traffic-selector', selector()),
    leaf('protocol-parameters', PROTOCOL, { default: 'esp' }),
    leaf('mode', MODE, { default: 'transport' }),
    container(
      'esp-sa',
      [
        container('encryption', [
          leaf('encryption-algorithm', U16, { default: '12' }),
          leaf('key', HEX, { secret: true }),
          leaf('iv', HEX, { secret: true }),
        ]),
        container('integrity', [leaf('integrity-algorithm', U16, { default: '12' }), leaf('key', HEX, { secret: true })]),
      ],
      { when: { leaf: 'protocol-parameters', equals: 'esp' } },
    ),
    container('sa-lifetime-hard', lifetime()),
    container('sa-lifetime-soft', [...lifetime(), leaf('action', enumType('terminate-clear', 'terminate-hold', 'replace'))]),
    container('tunnel', [...tunnel(), leafList('dscp-values', DSCP)], { when: { leaf: 'mode', equals: 'tunnel' } }),
    container('encapsulation-type', [
      leaf('espencap', enumType('espintcp', 'espinudp', 'none'), { default: 'none' }),
      leaf('sport', PORT, { default: '4500' }),
      leaf('dport', PORT, { default: '4500' }),
      leafList('oaddr', ADDRESS),
    ]),
  ]),
  SA_STATE,
]);

/** The `ipsec-ikeless` container. */
export const IPSEC_IKELESS: ContainerSchema = container('ipsec-ikeless', [
  container('spd', [SPD_ENTRY], { pathless: true }),
  container('sad', [SAD_ENTRY], { pathless: true }),
]);

/** The four notifications (feature `ikeless-notification`), by name. */
export const NOTIFICATIONS: ReadonlyMap<string, ContainerSchema> = new Map(
  [
    container('sadb-acquire', [leaf('ipsec-policy-name', STRING, { mandatory: true }), container('traffic-selector', selector())]),
    container('sadb-expire', [
      leaf('ipsec-sa-name', STRING, { mandatory: true }),
      leaf('soft-lifetime-expire', BOOL, { default: 'true' }),
      container('lifetime-current', lifetime()),
    ]),
    container('sadb-seq-overflow', [leaf('ipsec-sa-name', STRING, { mandatory: true })]),
    container('sadb-bad-spi', [leaf('spi', U32, { mandatory: true })]),
  ].map((n) => [n.name, n]),
);
