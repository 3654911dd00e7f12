/**
 * hapi wiring of the NBI's security: a `Bearer` authentication scheme backed
 * by the AuthService (default on every route; routes opt out with
 * `auth: false`, only health and login do), and a role check right after it
 * authentication. A route's role is `options.app.role` when it sets one,
 * else `requiredRole(method, path)`. Missing or bad tokens get 401 with
 * `WWW-Authenticate: Bearer` (RFC 6750 §3), too low a role 403, both as
 * ProblemDetails through the server's error rendering.
 */
import Boom from '@hapi/boom';
import type { Request, RequestRoute, ResponseToolkit, Server } from '@hapi/hapi';
import type { AuthService } from './auth-service.js';
import { requiredRole, isRole, type Role } from './roles.js';

/** The role a route requires. */
export function routeRole(route: Pick<RequestRoute, 'method' | 'path' | 'settings'>): Role {
  const declared = (route.settings.app as { role?: unknown } | undefined)?.role;
  return isRole(declared) ? declared : requiredRole(route.method, route.path);
}

/** Install the scheme, make it the default strategy, and check roles after authentication. */
export function installAuth(server: Server, auth: AuthService): void {
  server.auth.scheme('qnfv-bearer', () => ({
    authenticate: async (request: Request, h: ResponseToolkit) => {
      const header = typeof request.headers.authorization === 'string' ? request.headers.authorization : '';
      const m = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
      if (!m) {
        throw Boom.unauthorized(header ? 'the Authorization header is not a Bearer token' : 'a bearer token is required: POST /admin/v1/tokens with a username and password', 'Bearer');
      }
      const credentials = await auth.authenticate(m[1]!);
      if (!credentials) throw Boom.unauthorized('the token is unknown, expired or revoked; log in again', 'Bearer', { error: 'invalid_token' });
      // The role is checked here, before hapi reads any payload (onCredentials runs after it).
      const need = routeRole(request.route);
      if (!credentials.scope.includes(need)) {
        throw Boom.forbidden(`${request.method.toUpperCase()} ${request.route.path} needs the '${need}' role; user '${credentials.user.username}' has '${credentials.user.role}'`);
      }
      return h.authenticated({ credentials });
    },
  }));
  server.auth.strategy('token', 'qnfv-bearer');
  server.auth.default('token');
}
