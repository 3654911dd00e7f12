/** NBI security: users with scrypt password hashes, bearer tokens, roles, and the hapi wiring. */
export { AuthService, type AuthOptions, type Credentials, type IssuedToken, type User } from './auth-service.js';
export { ROLES, isRole, requiredRole, scopesOf, type Role } from './roles.js';
export { hashPassword, verifyPassword } from './password.js';
export { LoginThrottle, LoginThrottledError, LOGIN_THROTTLE_DEFAULTS, type LoginThrottleOptions, type LoginThrottleSettings, type LoginTicket, type Lockout, type ThrottleScope } from './login-throttle.js';
export { installAuth, routeRole } from './hapi-auth.js';
