/** NBI security: users with scrypt password hashes, bearer tokens, roles, and the hapi wiring. */
export { AuthService, type AuthOptions, type Credentials, type IssuedToken, type User } from './auth-service.js';
export { ROLES, isRole, requiredRole, scopesOf, type Role } from './roles.js';
export { hashPassword, verifyPassword } from './password.js';
export { installAuth, routeRole } from './hapi-auth.js';
