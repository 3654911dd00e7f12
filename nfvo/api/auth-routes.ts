/**
 * Tokens and users, OSM's `/admin/v1/tokens` and `/admin/v1/users`. Logging
 * in is the only route besides health that needs no token. Anyone with a
 * token may list and revoke their own tokens (an admin: everyone's); users
 * are managed by admins. Repeated failed logins lock the username + client
 * address (or the address) out for a while: 429 with `Retry-After` (RFC 6585
 * §4, RFC 9110 §10.2.3), the password unchecked.
 */
import type { ServerRoute } from '@hapi/hapi';
import Boom from '@hapi/boom';
import { LoginThrottledError, ROLES, type AuthService, type Credentials } from '../auth/index.js';
import { ajvValidator } from './validate.js';
import { wrap } from './nslcm-routes.js';

const loginSchema = {
  type: 'object',
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    // OSM clients send their project; qnfv has one.
    project_id: { type: 'string' },
  },
  additionalProperties: false,
};

const userSchema = {
  type: 'object',
  required: ['username', 'password', 'role'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 8, maxLength: 1024 },
    role: { enum: [...ROLES] },
  },
  additionalProperties: false,
};

const who = (c: unknown): Credentials => c as Credentials;

/** The `/admin/v1/tokens` and `/admin/v1/users` routes. */
export function authRoutes(auth: AuthService, base = '/admin/v1'): ServerRoute[] {
  return [
    {
      method: 'POST',
      path: `${base}/tokens`,
      options: { auth: false, validate: { payload: ajvValidator(loginSchema, 'TokenRequest') } },
      handler: wrap(async (req) => {
        const body = req.payload as { username: string; password: string };
        const token = await auth.login(body.username, body.password, req.info.remoteAddress || 'unknown').catch((err: unknown) => {
          if (!(err instanceof LoginThrottledError)) throw err;
          const tooMany = Boom.tooManyRequests(err.message);
          tooMany.output.headers['Retry-After'] = String(err.retryAfterS);
          throw tooMany;
        });
        if (!token) throw Boom.unauthorized('wrong username or password');
        return token;
      }),
    },
    {
      method: 'GET',
      path: `${base}/tokens`,
      options: { app: { role: 'viewer' } },
      handler: wrap(async (req) => {
        const c = who(req.auth.credentials);
        return auth.listTokens(c.user.role === 'admin' ? undefined : c.user.username);
      }),
    },
    {
      method: 'DELETE',
      path: `${base}/tokens`,
      options: { app: { role: 'viewer' } },
      handler: wrap(async (req, h) => {
        await auth.revoke(who(req.auth.credentials).tokenId);
        return h.response().code(204);
      }),
    },
    {
      method: 'DELETE',
      path: `${base}/tokens/{id}`,
      options: { app: { role: 'viewer' } },
      handler: wrap(async (req, h) => {
        const c = who(req.auth.credentials);
        await auth.revoke(req.params.id as string, c.user.role === 'admin' ? undefined : c.user.username);
        return h.response().code(204);
      }),
    },
    {
      method: 'POST',
      path: `${base}/users`,
      options: { validate: { payload: ajvValidator(userSchema, 'UserRequest') } },
      handler: wrap(async (req, h) => {
        const u = await auth.createUser(req.payload as never);
        return h.response(u).code(201).header('Location', `${base}/users/${u.id}`);
      }),
    },
    { method: 'GET', path: `${base}/users`, handler: wrap(async () => auth.listUsers()) },
    { method: 'GET', path: `${base}/users/{id}`, handler: wrap(async (req) => auth.getUser(req.params.id as string)) },
    {
      method: 'DELETE',
      path: `${base}/users/{id}`,
      handler: wrap(async (req, h) => {
        await auth.deleteUser(req.params.id as string);
        return h.response().code(204);
      }),
    },
  ];
}
