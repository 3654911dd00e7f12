/**
 * Domain registry, OSM style (`/admin/v1/vim_accounts`): each domain is a
 * VIM account naming its VIM driver, its VCA's SSH endpoint with the pinned
 * host key fingerprint, its Hybridization Module's node UUID and, for the
 * operator's record, its QKD node's endpoints.
 */
import type { ServerRoute } from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { VimAccount } from '../model.js';
import { ajvValidator } from './validate.js';
import { wrap } from './nslcm-routes.js';
import { selectList } from './list-filter.js';
import { Pager } from './paging.js';
import { ConflictError, NotFoundError } from '../../common/index.js';

const vimAccountSchema = {
  type: 'object',
  required: ['name', 'vimType', 'vca', 'hybridNodeUuid'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    vimType: { enum: ['netns', 'docker', 'local'] },
    description: { type: 'string' },
    vca: {
      type: 'object',
      required: ['host', 'port', 'username', 'hostKeyFingerprint'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        username: { type: 'string', minLength: 1 },
        hostKeyFingerprint: { type: 'string', pattern: '^SHA256:[A-Za-z0-9+/]{43}=?$' },
      },
      additionalProperties: false,
    },
    hybridNodeUuid: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
    qkdNode: {
      type: 'object',
      properties: {
        kme014Url: { type: 'string', pattern: '^https?://' },
        etsi004Url: { type: 'string', minLength: 1 },
        saeId: { type: 'string', minLength: 1 },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

/** The `/admin/v1/vim_accounts` routes; the list is paged by `pager`. */
export function adminRoutes(store: Store, base = '/admin/v1', pager = new Pager()): ServerRoute[] {
  const accounts = store.collection<VimAccount>('vim_accounts');
  return [
    {
      method: 'POST',
      path: `${base}/vim_accounts`,
      options: { validate: { payload: ajvValidator(vimAccountSchema, 'VimAccount') } },
      handler: wrap(async (req, h) => {
        const body = req.payload as Omit<VimAccount, 'id'>;
        if ((await accounts.list()).some((a) => a.name === body.name)) throw new ConflictError(`a VIM account named '${body.name}' exists`);
        const account: VimAccount = { id: randomUUID(), ...body };
        await accounts.put(account.id, account);
        return h.response(account).code(201).header('Location', `${base}/vim_accounts/${account.id}`);
      }),
    },
    { method: 'GET', path: `${base}/vim_accounts`, handler: wrap(async (req, h) => pager.reply(req, h, selectList(await accounts.list(), req.query))) },
    {
      method: 'GET',
      path: `${base}/vim_accounts/{id}`,
      handler: wrap(async (req) => {
        const a = await accounts.get(req.params.id as string);
        if (!a) throw new NotFoundError('VIM account', req.params.id as string);
        return a;
      }),
    },
    {
      method: 'DELETE',
      path: `${base}/vim_accounts/{id}`,
      handler: wrap(async (req, h) => {
        const id = req.params.id as string;
        if (!(await accounts.get(id))) throw new NotFoundError('VIM account', id);
        const instances = await store.collection<{ nsState: string; vnfInstance: { vimId: string }[] }>('ns_instances').list();
        if (instances.some((n) => n.vnfInstance.some((v) => v.vimId === id))) throw new ConflictError(`VIM account ${id} is used by an instantiated NS`);
        if (!(await accounts.delete(id))) throw new NotFoundError('VIM account', id);
        return h.response().code(204);
      }),
    },
  ];
}
