/**
 * The NBI's roles and what each may do. Roles are ordered: a viewer reads,
 * an operator also onboards packages and runs NS lifecycle operations, an
 * admin also manages domains (VIM accounts) and users. hapi enforces them as
 * route scopes: a token's credentials carry its role and every role below it.
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The scopes a token of `role` holds: the role and every lower one. */
export function scopesOf(role: Role): Role[] {
  return ROLES.slice(0, ROLES.indexOf(role) + 1);
}

/** The role a route needs by default: reads need viewer, writes operator, everything under /admin/ admin. */
export function requiredRole(method: string, path: string): Role {
  if (path.startsWith('/admin/')) return 'admin';
  return method.toUpperCase() === 'GET' ? 'viewer' : 'operator';
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}
