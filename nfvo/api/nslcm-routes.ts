/**
 * ETSI SOL005 NS lifecycle management routes (clause 6.4): NS instances,
 * the instantiate/terminate task resources (202 + Location of the new
 * NsLcmOpOcc, 409 when another operation runs, 405 for other methods) and
 * LCM operation occurrences.
 */
import type { ServerRoute, Request, ResponseToolkit } from '@hapi/hapi';
import Boom from '@hapi/boom';
import type { NsLcm } from '../lcm/index.js';
import { ajvValidator } from './validate.js';
import { toBoom } from './problem.js';
import { selectList } from './list-filter.js';
import { Pager } from './paging.js';

const createNsSchema = {
  type: 'object',
  required: ['nsdId', 'nsName'],
  properties: {
    nsdId: { type: 'string', minLength: 1 },
    nsName: { type: 'string', minLength: 1, maxLength: 256 },
    nsDescription: { type: 'string' },
  },
  additionalProperties: false,
};

/** SOL005 ParamsForVnf (`vnfProfileId`), or OSM's `member-vnf-index`: the values of the VNF's day-1 primitives. */
const additionalParamsForVnf = {
  type: 'array',
  items: { type: 'object', properties: { vnfProfileId: { type: 'string', minLength: 1 }, 'member-vnf-index': { type: 'string', minLength: 1 }, vnfInstanceName: { type: 'string' }, additionalParams: { type: 'object' } } },
};

const instantiateSchema = {
  type: 'object',
  properties: {
    nsFlavourId: { type: 'string' },
    vimAccountId: { type: 'string' },
    vnf: {
      type: 'array',
      items: { type: 'object', required: ['member-vnf-index', 'vimAccountId'], properties: { 'member-vnf-index': { type: 'string' }, vimAccountId: { type: 'string' } } },
    },
    locationConstraints: {
      type: 'array',
      items: { type: 'object', required: ['vnfProfileId'], properties: { vnfProfileId: { type: 'string' }, locationConstraints: { type: 'object' } } },
    },
    vld: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, 'ip-profile': { type: 'object', properties: { 'subnet-address': { type: 'string' }, 'gateway-address': { type: 'string' } } } },
      },
    },
    additionalParamsForNs: { type: 'object' },
    additionalParamsForVnf,
  },
};

const actionSchema = {
  type: 'object',
  required: ['primitive'],
  properties: {
    primitive: { type: 'string', minLength: 1 },
    primitive_params: { type: 'object' },
    member_vnf_index: { type: 'string' },
    // OSM clients send these; qnfv's NS primitives do not use them.
    lcmOperationType: { const: 'action' },
    nsInstanceId: { type: 'string' },
  },
  additionalProperties: false,
};

const healSchema = {
  type: 'object',
  properties: {
    healVnfData: {
      type: 'array',
      items: { type: 'object', required: ['vnfInstanceId'], properties: { vnfInstanceId: { type: 'string', minLength: 1 }, cause: { type: 'string' }, additionalParams: { type: 'object' } }, additionalProperties: false },
    },
    healNsData: { type: 'object' },
  },
  additionalProperties: false,
};

const locationConstraints = {
  type: 'array',
  items: {
    type: 'object',
    required: ['vnfProfileId'],
    properties: { vnfProfileId: { type: 'string', minLength: 1 }, locationConstraints: { type: 'object', properties: { vimId: { type: 'string', minLength: 1 } } } },
  },
};

/** SOL005 ScaleNsRequest; what qnfv cannot do (SCALE_VNF, aspects, levels) is refused with a reason by the LCM. */
const scaleSchema = {
  type: 'object',
  required: ['scaleType'],
  properties: {
    scaleType: { enum: ['SCALE_NS', 'SCALE_VNF'] },
    scaleNsData: {
      type: 'object',
      properties: {
        vnfInstanceToBeAdded: {
          type: 'array',
          items: { type: 'object', properties: { vnfProfileId: { type: 'string', minLength: 1 }, vnfInstanceId: { type: 'string' } }, additionalProperties: false },
        },
        vnfInstanceToBeRemoved: { type: 'array', items: { type: 'string', minLength: 1 } },
        locationConstraints,
        scaleNsByStepsData: {},
        scaleNsToLevelData: {},
        additionalParamsForNs: { type: 'object' },
        additionalParamsForVnf,
      },
      additionalProperties: false,
    },
    scaleVnfData: { type: 'array' },
    scaleTime: { type: 'string' },
  },
  additionalProperties: false,
};

const wrap =
  (fn: (req: Request, h: ResponseToolkit) => Promise<unknown>) =>
  async (req: Request, h: ResponseToolkit) => {
    try {
      return await fn(req, h);
    } catch (err) {
      throw toBoom(err);
    }
  };

const methodNotAllowed = () => {
  throw Boom.methodNotAllowed('only POST is supported on a task resource', undefined, ['POST']);
};

/** The `/nslcm/v1` routes; lists are paged by `pager`. */
export function nslcmRoutes(lcm: NsLcm, base = '/nslcm/v1', pager = new Pager()): ServerRoute[] {
  const schemas = {
    instantiate: ajvValidator(instantiateSchema, 'InstantiateNsRequest'),
    action: ajvValidator(actionSchema, 'ActionRequest'),
    heal: ajvValidator(healSchema, 'HealNsRequest'),
    scale: ajvValidator(scaleSchema, 'ScaleNsRequest'),
  };
  const task = (name: 'instantiate' | 'terminate' | 'scale' | 'action' | 'heal'): ServerRoute[] => [
    {
      method: 'POST',
      path: `${base}/ns_instances/{id}/${name}`,
      options: { validate: name === 'terminate' ? {} : { payload: schemas[name] } },
      handler: wrap(async (req, h) => {
        const id = req.params.id as string;
        const body = (req.payload ?? {}) as never;
        const op = await lcm[name](id, body);
        return h.response().code(202).header('Location', op._links.self.href);
      }),
    },
    { method: ['GET', 'PUT', 'PATCH', 'DELETE'], path: `${base}/ns_instances/{id}/${name}`, handler: methodNotAllowed },
  ];
  return [
    {
      method: 'POST',
      path: `${base}/ns_instances`,
      options: { validate: { payload: ajvValidator(createNsSchema, 'CreateNsRequest') } },
      handler: wrap(async (req, h) => {
        const ns = await lcm.create(req.payload as never);
        return h.response(ns).code(201).header('Location', ns._links.self.href);
      }),
    },
    {
      method: 'GET',
      path: `${base}/ns_instances`,
      handler: wrap(async (req, h) => pager.reply(req, h, selectList(await lcm.instances.list(), req.query))),
    },
    { method: 'GET', path: `${base}/ns_instances/{id}`, handler: wrap(async (req) => lcm.get(req.params.id as string)) },
    {
      method: 'DELETE',
      path: `${base}/ns_instances/{id}`,
      handler: wrap(async (req, h) => {
        await lcm.delete(req.params.id as string);
        return h.response().code(204);
      }),
    },
    ...task('instantiate'),
    ...task('terminate'),
    ...task('scale'),
    ...task('action'),
    ...task('heal'),
    {
      method: 'GET',
      path: `${base}/ns_lcm_op_occs`,
      handler: wrap(async (req, h) => {
        const ns = req.query.nsInstanceId as string | undefined;
        const ops = selectList(await lcm.opOccs.list(), req.query).filter((o) => !ns || o.nsInstanceId === ns);
        // Oldest first, as before paging; the pager breaks ties by id.
        return pager.reply(req, h, ops, (o) => o.startTime);
      }),
    },
    { method: 'GET', path: `${base}/ns_lcm_op_occs/{id}`, handler: wrap(async (req) => lcm.getOpOcc(req.params.id as string)) },
    {
      method: 'POST',
      path: `${base}/ns_lcm_op_occs/{id}/fail`,
      handler: wrap(async (req) => lcm.fail(req.params.id as string)),
    },
    ...(['retry', 'rollback', 'cancel'] as const).map(
      (verb): ServerRoute => ({
        method: 'POST',
        path: `${base}/ns_lcm_op_occs/{id}/${verb}`,
        handler: wrap(async (req, h) => {
          const op = await lcm[verb](req.params.id as string);
          return h.response().code(202).header('Location', op._links.self.href);
        }),
      }),
    ),
  ];
}

export { wrap };
