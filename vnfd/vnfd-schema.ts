/**
 * JSON Schema of the ETSI GS NFV-SOL 006 VNFD (YANG `etsi-nfv-vnfd`, clause 6 of SOL006) as OSM
 * (Release 9+) writes it in YAML: the object under the top-level `vnfd:`. It models the nodes
 * qnfv reads — identity, images, compute/storage, VDUs and their internal CPs, external CPs,
 * internal VLs, deployment flavours with VDU profiles, instantiation levels, scaling aspects and
 * the OSM IM `lcm-operations-configuration.operate-vnf-op-config.day1-2` block (execution
 * environments, typed primitive parameters, `seq`-keyed initial/terminate primitives, scaling
 * config actions: OSM IM `etsi-nfv-vnfd` augments) — and leaves every
 * mapping open, so fields SOL006/OSM define beyond these are accepted and kept.
 * Required fields: SOL006's list keys, plus what qnfv cannot work without. `provider` is
 * mandatory in SOL006 but optional here, as in OSM (its own hackfest VNFDs omit it). A VDU's
 * `sw-image-desc` and `virtual-compute-desc` (optional in SOL006) are required unless the VDU is
 * a physical one (`pdu-type`): the VIM needs an image and a size. References are checked in
 * `vnfd-checks.ts`, not here.
 */
import type { SchemaObject } from 'ajv';
import { PARAMETER_DATA_TYPES, SCALING_TRIGGERS } from './constants.js';
import {
  booleanSchema,
  decimalSchema,
  enumSchema,
  idSchema,
  listOf,
  openObject,
  scalarSchema,
  stringSchema,
  uint16Schema,
  uintSchema,
  versionSchema,
} from './schema-fragments.js';

const virtualNetworkInterfaceRequirement = openObject(
  {
    name: stringSchema,
    position: uintSchema,
    'virtual-interface': openObject({ type: stringSchema, bandwidth: uintSchema, vpci: stringSchema }),
  },
  ['name'],
);

const intCpd = openObject(
  {
    id: idSchema,
    'int-virtual-link-desc': idSchema,
    'virtual-network-interface-requirement': listOf(virtualNetworkInterfaceRequirement),
  },
  ['id'],
);

const monitoringParameter = openObject({ id: idSchema, name: stringSchema, 'performance-metric': stringSchema }, ['id']);

const vdu: SchemaObject = {
  ...openObject(
    {
      id: idSchema,
      name: stringSchema,
      description: stringSchema,
      'int-cpd': listOf(intCpd, 1),
      'sw-image-desc': idSchema,
      'alternative-sw-image-desc': listOf(idSchema),
      'virtual-compute-desc': idSchema,
      'virtual-storage-desc': listOf(idSchema),
      'cloud-init-file': idSchema,
      'monitoring-parameter': listOf(monitoringParameter),
    },
    ['id', 'name', 'int-cpd'],
  ),
  if: { not: { required: ['pdu-type'] } },
  then: { required: ['sw-image-desc', 'virtual-compute-desc'] },
};

const extCpd = openObject(
  {
    id: idSchema,
    'int-cpd': openObject({ 'vdu-id': idSchema, cpd: idSchema }, ['vdu-id', 'cpd']),
    'int-virtual-link-desc': idSchema,
  },
  ['id'],
);

const swImageDesc = openObject({ id: idSchema, name: stringSchema, image: stringSchema, version: versionSchema, 'vim-type': stringSchema }, ['id']);

const virtualComputeDesc = openObject(
  {
    id: idSchema,
    'virtual-cpu': openObject({ 'num-virtual-cpu': uint16Schema }),
    'virtual-memory': openObject({ size: decimalSchema }),
  },
  ['id'],
);

const virtualStorageDesc = openObject({ id: idSchema, 'size-of-storage': uintSchema }, ['id']);

const parameter = openObject(
  {
    name: idSchema,
    value: scalarSchema,
    'data-type': enumSchema(PARAMETER_DATA_TYPES),
    'default-value': scalarSchema,
    mandatory: booleanSchema,
    'read-only': booleanSchema,
    hidden: booleanSchema,
  },
  ['name'],
);

/** A day-1/2 primitive; OSM IM keys initial and terminate primitives by `seq`. */
const primitive = (withSeq: boolean): SchemaObject =>
  openObject(
    {
      ...(withSeq ? { seq: uintSchema } : {}),
      name: idSchema,
      'execution-environment-ref': idSchema,
      'execution-environment-primitive': stringSchema,
      parameter: listOf(parameter),
      'user-defined-script': stringSchema,
    },
    withSeq ? ['seq', 'name'] : ['name'],
  );

const executionEnvironment = openObject(
  {
    id: idSchema,
    juju: openObject({ charm: idSchema, proxy: booleanSchema, cloud: enumSchema(['lxd', 'k8s']) }),
    'helm-chart': idSchema,
    'helm-version': enumSchema(['v2', 'v3']),
    'metric-service': stringSchema,
    'external-connection-point-ref': idSchema,
  },
  ['id'],
);

const day12 = openObject(
  {
    id: idSchema,
    'config-access': openObject({ 'ssh-access': openObject({ required: booleanSchema, 'default-user': stringSchema }) }),
    'execution-environment-list': listOf(executionEnvironment),
    'initial-config-primitive': listOf(primitive(true)),
    'config-primitive': listOf(primitive(false)),
    'terminate-config-primitive': listOf(primitive(true)),
  },
  ['id'],
);

const scalingAspect = openObject(
  {
    id: idSchema,
    name: stringSchema,
    'max-scale-level': uintSchema,
    'aspect-delta-details': openObject({
      deltas: listOf(
        openObject({ id: idSchema, 'vdu-delta': listOf(openObject({ id: idSchema, 'number-of-instances': uintSchema }, ['id'])) }, ['id']),
      ),
    }),
    'scaling-policy': listOf(
      openObject(
        {
          name: stringSchema,
          'scaling-type': stringSchema,
          'scaling-criteria': listOf(openObject({ name: stringSchema, 'vnf-monitoring-param-ref': idSchema }, ['name'])),
        },
        ['name'],
      ),
    ),
    'scaling-config-action': listOf(openObject({ trigger: enumSchema(SCALING_TRIGGERS), 'vnf-config-primitive-name-ref': idSchema }, ['trigger'])),
  },
  ['id'],
);

const df = openObject(
  {
    id: idSchema,
    'vdu-profile': listOf(
      openObject({ id: idSchema, 'min-number-of-instances': uint16Schema, 'max-number-of-instances': uint16Schema }, ['id']),
    ),
    'instantiation-level': listOf(
      openObject(
        { id: idSchema, 'vdu-level': listOf(openObject({ 'vdu-id': idSchema, 'number-of-instances': uint16Schema }, ['vdu-id'])) },
        ['id'],
      ),
    ),
    'default-instantiation-level': idSchema,
    'virtual-link-profile': listOf(openObject({ id: idSchema, flavour: stringSchema }, ['id'])),
    'scaling-aspect': listOf(scalingAspect),
    'monitoring-parameter': listOf(monitoringParameter),
    'lcm-operations-configuration': openObject({
      'operate-vnf-op-config': openObject({ 'day1-2': listOf(day12) }),
    }),
  },
  ['id'],
);

/** Schema of the object under `vnfd:`. */
export const vnfdSchema: SchemaObject = openObject(
  {
    id: idSchema,
    'product-name': stringSchema,
    provider: stringSchema,
    version: versionSchema,
    description: stringSchema,
    'mgmt-cp': idSchema,
    'sw-image-desc': listOf(swImageDesc),
    'virtual-compute-desc': listOf(virtualComputeDesc),
    'virtual-storage-desc': listOf(virtualStorageDesc),
    vdu: listOf(vdu),
    'ext-cpd': listOf(extCpd),
    'int-virtual-link-desc': listOf(openObject({ id: idSchema }, ['id'])),
    df: listOf(df, 1),
  },
  ['id', 'product-name', 'version', 'df'],
);
