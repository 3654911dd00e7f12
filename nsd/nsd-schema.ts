/**
 * JSON Schema of the ETSI GS NFV-SOL 006 NSD (YANG `etsi-nfv-nsd`) as OSM writes it in YAML:
 * the object under the top-level `nsd:`, i.e. `{nsd: [ <one NSD> ]}`. It models the nodes qnfv
 * reads — identity, `vnfd-id`, virtual links (with their `df` flavours and OSM's
 * `vim-network-name`), deployment flavours with VNF profiles, virtual-link profiles and the
 * virtual-link connectivity with fixed `ip-address`es, SAPs (on a virtual link, or a VNF's
 * external CP) — plus qnfv's `qnfv:security-profile` extension, and leaves every
 * SOL006 mapping open so fields beyond these are accepted and kept. "Exactly one element" and all
 * references are checked in nsd-checks.ts.
 */
import type { SchemaObject } from 'ajv';
import { booleanSchema, idSchema, listOf, openObject, stringSchema, uint16Schema, versionSchema } from '../vnfd/index.js';
import { SECURITY_PROFILE_KEY } from './constants.js';
import { securityProfileSchema } from './security-profile-schema.js';

const ipAddress: SchemaObject = { type: 'string', title: 'an IPv4 or IPv6 address', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] };

const virtualLinkDesc = openObject(
  {
    id: idSchema,
    'mgmt-network': booleanSchema,
    'vim-network-name': idSchema,
    'connectivity-type': openObject({}),
    df: listOf(openObject({ id: idSchema }, ['id'])),
  },
  ['id'],
);

const constituentCpd = openObject(
  { 'constituent-base-element-id': idSchema, 'constituent-cpd-id': idSchema, 'ip-address': ipAddress },
  ['constituent-base-element-id', 'constituent-cpd-id'],
);

const vnfProfile = openObject(
  {
    id: idSchema,
    'vnfd-id': idSchema,
    'flavour-id': idSchema,
    'instantiation-level': idSchema,
    'min-number-of-instances': uint16Schema,
    'max-number-of-instances': uint16Schema,
    'virtual-link-connectivity': listOf(
      openObject({ 'virtual-link-profile-id': idSchema, 'constituent-cpd-id': listOf(constituentCpd) }, ['virtual-link-profile-id']),
    ),
  },
  ['id', 'vnfd-id'],
);

const df = openObject(
  {
    id: idSchema,
    'vnf-profile': listOf(vnfProfile),
    'virtual-link-profile': listOf(openObject({ id: idSchema, 'virtual-link-desc-id': idSchema, 'flavour-id': idSchema }, ['id', 'virtual-link-desc-id'])),
  },
  ['id'],
);

const nsdElement = openObject(
  {
    id: idSchema,
    name: stringSchema,
    version: versionSchema,
    designer: stringSchema,
    description: stringSchema,
    'vnfd-id': listOf(idSchema, 1),
    'virtual-link-desc': listOf(virtualLinkDesc),
    df: listOf(df, 1),
    sapd: listOf(openObject({ id: idSchema, 'virtual-link-desc': idSchema, vnf: openObject({ 'vnfd-id': idSchema, 'ext-cpd-id': idSchema }, ['vnfd-id', 'ext-cpd-id']) }, ['id'])),
    [SECURITY_PROFILE_KEY]: listOf(securityProfileSchema),
  },
  ['id', 'name', 'version', 'vnfd-id', 'df'],
);

/** Schema of the object under `nsd:`. */
export const nsdSchema: SchemaObject = openObject({ nsd: listOf(nsdElement, 1) }, ['nsd']);
