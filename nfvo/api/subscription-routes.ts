/**
 * `/nslcm/v1/subscriptions` (SOL005 clauses 6.4.16 and 6.4.17): create with
 * a callback test, list, read, delete. Credentials for the callback are
 * accepted and never shown again.
 */
import type { ServerRoute } from '@hapi/hapi';
import { NOTIFICATION_TYPES, type SubscriptionManager } from '../subscriptions/index.js';
import type { Credentials } from '../auth/index.js';
import { ajvValidator } from './validate.js';
import { wrap } from './nslcm-routes.js';
import { selectList } from './list-filter.js';
import { Pager } from './paging.js';

const strings = { type: 'array', items: { type: 'string', minLength: 1 } };

export const subscriptionRequestSchema = {
  type: 'object',
  required: ['callbackUri'],
  properties: {
    callbackUri: { type: 'string', minLength: 1, maxLength: 2048 },
    filter: {
      type: 'object',
      properties: {
        nsInstanceSubscriptionFilter: {
          type: 'object',
          properties: { nsdIds: strings, nsInstanceIds: strings, nsInstanceNames: strings },
          additionalProperties: false,
        },
        notificationTypes: { type: 'array', items: { enum: [...NOTIFICATION_TYPES] } },
        operationTypes: { type: 'array', items: { enum: ['INSTANTIATE', 'SCALE', 'UPDATE', 'TERMINATE', 'HEAL', 'ACTION'] } },
        operationStates: { type: 'array', items: { enum: ['PROCESSING', 'COMPLETED', 'PARTIALLY_COMPLETED', 'FAILED_TEMP', 'FAILED', 'ROLLING_BACK', 'ROLLED_BACK'] } },
      },
      additionalProperties: false,
    },
    authentication: {
      type: 'object',
      required: ['authType'],
      properties: {
        authType: { type: 'array', minItems: 1, items: { enum: ['BASIC', 'BEARER'] } },
        paramsBasic: {
          type: 'object',
          required: ['userName', 'password'],
          properties: { userName: { type: 'string', minLength: 1 }, password: { type: 'string' } },
          additionalProperties: false,
        },
        paramsBearer: { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1 } }, additionalProperties: false },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

/** The `/nslcm/v1/subscriptions` routes; the list is paged by `pager`. */
export function subscriptionRoutes(subs: SubscriptionManager, base = '/nslcm/v1', pager = new Pager()): ServerRoute[] {
  return [
    {
      method: 'POST',
      path: `${base}/subscriptions`,
      options: { validate: { payload: ajvValidator(subscriptionRequestSchema, 'LccnSubscriptionRequest') } },
      handler: wrap(async (req, h) => {
        const s = await subs.create(req.payload as never, (req.auth.credentials as Credentials).user.username);
        return h.response(s).code(201).header('Location', s._links.self.href);
      }),
    },
    { method: 'GET', path: `${base}/subscriptions`, handler: wrap(async (req, h) => pager.reply(req, h, selectList(await subs.list(), req.query))) },
    { method: 'GET', path: `${base}/subscriptions/{id}`, handler: wrap(async (req) => subs.get(req.params.id as string)) },
    {
      method: 'DELETE',
      path: `${base}/subscriptions/{id}`,
      handler: wrap(async (req, h) => {
        await subs.delete(req.params.id as string);
        return h.response().code(204);
      }),
    },
  ];
}
