/**
 * The NBI's OpenAPI 3 document (`GET /openapi.json`). What each operation
 * does and answers is written down here, route by route, as an API reference
 * would be; request body schemas come from the routes' own validators, and
 * security from their auth settings and roles, so those cannot drift. A test
 * checks that every route is documented and every documented operation is a
 * route.
 */
import type { Server } from '@hapi/hapi';
import type { Schema } from 'ajv';
import { routeRole } from '../auth/index.js';
import { MARKER_PARAM } from './paging.js';

interface OperationDoc {
  summary: string;
  /** Status → description; 4xx/5xx answers are ProblemDetails. */
  responses: Record<number, string>;
  /** A descriptor upload instead of JSON. */
  upload?: boolean;
  /** A GET list: SOL013 filters and paging (`nextpage_opaque_marker`, `Link` rel="next"). */
  list?: boolean;
}

const PROBLEMS = { 401: 'No, a malformed or an expired token', 403: 'The token’s role does not allow this' };
const NOT_FOUND = { 404: 'No such record' };
const TASK_405 = { 405: 'Only POST is allowed on a task resource' };
/** SOL013 5.4.2: a list's pages and the bad filters or markers of its queries. */
const LIST = { list: true } as const;
const BAD_LIST_QUERY = { 400: 'Bad filter or nextpage_opaque_marker (ProblemDetails naming it)' };
const NOT_ALLOWED: OperationDoc = { summary: 'Not allowed: task resources take POST only (SOL005 6.4.1)', responses: { ...TASK_405 } };

/** Every operation of the NBI. Keys: `METHOD path`. */
export const OPERATIONS: Record<string, OperationDoc> = {
  'GET /health': { summary: 'Liveness (no token needed)', responses: { 200: 'The NFVO is up' } },
  'GET /openapi.json': { summary: 'This document', responses: { 200: 'OpenAPI 3.0 document' } },

  'POST /admin/v1/tokens': { summary: 'Log in: username and password → bearer token (OSM)', responses: { 200: 'Token issued (id, expires)', 400: 'Malformed request', 401: 'Wrong username or password', 429: 'Too many failed logins for this username + address, or from this address: locked out, password not checked; Retry-After gives the seconds to wait' } },
  'GET /admin/v1/tokens': { summary: 'Tokens of the caller (an admin: of everyone), never their values', responses: { 200: 'Token list' } },
  'DELETE /admin/v1/tokens': { summary: 'Log out: revoke the presented token', responses: { 204: 'Revoked' } },
  'DELETE /admin/v1/tokens/{id}': { summary: 'Revoke a token by tokenId or value (own tokens; an admin: any)', responses: { 204: 'Revoked', ...NOT_FOUND } },
  'POST /admin/v1/users': { summary: 'Create a user with a role (admin | operator | viewer)', responses: { 201: 'Created', 400: 'Invalid user', 409: 'The username exists' } },
  'GET /admin/v1/users': { summary: 'List users (no password hashes)', responses: { 200: 'User list' } },
  'GET /admin/v1/users/{id}': { summary: 'Read a user by id or name', responses: { 200: 'The user', ...NOT_FOUND } },
  'DELETE /admin/v1/users/{id}': { summary: 'Delete a user and revoke their tokens', responses: { 204: 'Deleted', ...NOT_FOUND, 409: 'The last admin cannot be deleted' } },

  'POST /admin/v1/vim_accounts': { summary: 'Register a domain: VIM driver, VCA endpoint with pinned host key, HM node UUID', responses: { 201: 'Created', 400: 'Invalid account', 409: 'The name exists' } },
  'GET /admin/v1/vim_accounts': { summary: 'List domains (SOL013 filters, paged)', ...LIST, responses: { 200: 'Account list', ...BAD_LIST_QUERY } },
  'GET /admin/v1/vim_accounts/{id}': { summary: 'Read a domain', responses: { 200: 'The account', ...NOT_FOUND } },
  'DELETE /admin/v1/vim_accounts/{id}': { summary: 'Remove a domain', responses: { 204: 'Removed', ...NOT_FOUND, 409: 'An instantiated NS uses it' } },

  'POST /vnfpkgm/v1/vnf_packages': { summary: 'Create an empty VNF package record (SOL005 9.4.2.3.1)', responses: { 201: 'VnfPkgInfo, CREATED' } },
  'GET /vnfpkgm/v1/vnf_packages': { summary: 'List VNF packages with their states (SOL013 filters, paged)', ...LIST, responses: { 200: 'VnfPkgInfo list', ...BAD_LIST_QUERY } },
  'GET /vnfpkgm/v1/vnf_packages/{id}': { summary: 'Read a VNF package record', responses: { 200: 'VnfPkgInfo', ...NOT_FOUND } },
  'PATCH /vnfpkgm/v1/vnf_packages/{id}': { summary: 'Enable/disable, user data (SOL005 9.4.3.3.4)', responses: { 200: 'The modifications', 400: 'Invalid modifications', ...NOT_FOUND, 409: 'Not onboarded, or already in that state' } },
  'DELETE /vnfpkgm/v1/vnf_packages/{id}': { summary: 'Delete a VNF package', responses: { 204: 'Deleted', ...NOT_FOUND, 409: 'An NSD refers to it' } },
  'PUT /vnfpkgm/v1/vnf_packages/{id}/package_content': { summary: 'Upload the VNFD (YAML, OSM .tar.gz or SOL004 CSAR)', upload: true, responses: { 202: 'Onboarded', ...NOT_FOUND, 409: 'Already onboarded', 415: 'Unsupported content type', 422: 'Descriptor problems, each with path and line' } },
  'POST /vnfpkgm/v1/vnf_packages_content': { summary: 'Create and onboard in one request (OSM)', upload: true, responses: { 201: 'Onboarded; id', 409: 'The VNFD id is onboarded', 415: 'Unsupported content type', 422: 'Descriptor problems, each with path and line' } },
  'GET /vnfpkgm/v1/vnf_packages/{id}/vnfd': { summary: 'The onboarded VNFD (YAML)', responses: { 200: 'application/yaml', ...NOT_FOUND } },

  'POST /nsd/v1/ns_descriptors': { summary: 'Create an empty NSD record (SOL005 5.4.2.3.1)', responses: { 201: 'NsdInfo, CREATED' } },
  'GET /nsd/v1/ns_descriptors': { summary: 'List NSDs with their states (SOL013 filters, paged)', ...LIST, responses: { 200: 'NsdInfo list', ...BAD_LIST_QUERY } },
  'GET /nsd/v1/ns_descriptors/{id}': { summary: 'Read an NSD record', responses: { 200: 'NsdInfo', ...NOT_FOUND } },
  'PATCH /nsd/v1/ns_descriptors/{id}': { summary: 'Enable/disable, user data (SOL005 5.4.3.3.4)', responses: { 200: 'The modifications', 400: 'Invalid modifications', ...NOT_FOUND, 409: 'Not onboarded, or already in that state' } },
  'DELETE /nsd/v1/ns_descriptors/{id}': { summary: 'Delete an NSD', responses: { 204: 'Deleted', ...NOT_FOUND, 409: 'An NS instance uses it' } },
  'PUT /nsd/v1/ns_descriptors/{id}/nsd_content': { summary: 'Upload the NSD (YAML, OSM .tar.gz or SOL004 CSAR)', upload: true, responses: { 204: 'Onboarded', ...NOT_FOUND, 409: 'Already onboarded', 415: 'Unsupported content type', 422: 'Descriptor problems, each with path and line' } },
  'GET /nsd/v1/ns_descriptors/{id}/nsd_content': { summary: 'The onboarded NSD (YAML)', responses: { 200: 'application/yaml', ...NOT_FOUND } },
  'POST /nsd/v1/ns_descriptors_content': { summary: 'Create and onboard in one request (OSM)', upload: true, responses: { 201: 'Onboarded; id', 409: 'The NSD id is onboarded', 415: 'Unsupported content type', 422: 'Descriptor problems, each with path and line' } },

  'POST /nslcm/v1/ns_instances': { summary: 'Create an NS instance of an onboarded, enabled NSD (SOL005 6.4.2.3.1)', responses: { 201: 'NsInstance, NOT_INSTANTIATED', 400: 'Invalid request or unknown NSD', 409: 'The NSD is not onboarded, or disabled' } },
  'GET /nslcm/v1/ns_instances': { summary: 'List NS instances (SOL013 filters, e.g. filter=(eq,nsState,INSTANTIATED); paged)', ...LIST, responses: { 200: 'NsInstance list', ...BAD_LIST_QUERY } },
  'GET /nslcm/v1/ns_instances/{id}': { summary: 'Read an NS instance: VNFs, domains, tunnels (key ids, never keys), history', responses: { 200: 'NsInstance', ...NOT_FOUND } },
  'DELETE /nslcm/v1/ns_instances/{id}': { summary: 'Delete a NOT_INSTANTIATED instance', responses: { 204: 'Deleted', ...NOT_FOUND, 409: 'Instantiated or an operation is running' } },
  'POST /nslcm/v1/ns_instances/{id}/instantiate': { summary: 'Instantiate: placement per VNF profile, address plan, day-1 primitive values (SOL005 6.4.4)', responses: { 202: 'Started; Location of the NsLcmOpOcc', 400: 'Invalid request (every problem listed)', ...NOT_FOUND, 409: 'Already instantiated or an operation is running' } },
  'GET /nslcm/v1/ns_instances/{id}/instantiate': NOT_ALLOWED,
  'PUT /nslcm/v1/ns_instances/{id}/instantiate': NOT_ALLOWED,
  'PATCH /nslcm/v1/ns_instances/{id}/instantiate': NOT_ALLOWED,
  'DELETE /nslcm/v1/ns_instances/{id}/instantiate': NOT_ALLOWED,
  'POST /nslcm/v1/ns_instances/{id}/terminate': { summary: 'Terminate: SAs removed, keys released, domains emptied (SOL005 6.4.8)', responses: { 202: 'Started; Location of the NsLcmOpOcc', ...NOT_FOUND, 409: 'Not instantiated or an operation is running' } },
  'GET /nslcm/v1/ns_instances/{id}/terminate': NOT_ALLOWED,
  'PUT /nslcm/v1/ns_instances/{id}/terminate': NOT_ALLOWED,
  'PATCH /nslcm/v1/ns_instances/{id}/terminate': NOT_ALLOWED,
  'DELETE /nslcm/v1/ns_instances/{id}/terminate': NOT_ALLOWED,

  'POST /nslcm/v1/ns_instances/{id}/scale': {
    summary: 'Scale (SOL005 6.4.5, SCALE_NS): add optional sites (vnfInstanceToBeAdded + locationConstraints) and remove them (vnfInstanceToBeRemoved)',
    responses: { 202: 'Started; Location of the NsLcmOpOcc', 400: 'Invalid request (every problem listed): unknown or mandatory site, missing domain, SCALE_VNF', ...NOT_FOUND, 409: 'Not instantiated or an operation is running' },
  },
  'GET /nslcm/v1/ns_instances/{id}/scale': NOT_ALLOWED,
  'PUT /nslcm/v1/ns_instances/{id}/scale': NOT_ALLOWED,
  'PATCH /nslcm/v1/ns_instances/{id}/scale': NOT_ALLOWED,
  'DELETE /nslcm/v1/ns_instances/{id}/scale': NOT_ALLOWED,

  'POST /nslcm/v1/ns_instances/{id}/action': { summary: "Run a primitive (OSM's action): NS `rekey` or `set-lifetimes` (all tunnels or `primitive_params.tunnel`), or a VNF config primitive with `member_vnf_index` (ping, show-ipsec; output in the occurrence's actionResult)", responses: { 202: 'Started; Location of the NsLcmOpOcc', 400: 'Unknown primitive, VNF, tunnel or parameter, or a bad value', ...NOT_FOUND, 409: 'Not instantiated or an operation is running' } },
  'GET /nslcm/v1/ns_instances/{id}/action': NOT_ALLOWED,
  'PUT /nslcm/v1/ns_instances/{id}/action': NOT_ALLOWED,
  'PATCH /nslcm/v1/ns_instances/{id}/action': NOT_ALLOWED,
  'DELETE /nslcm/v1/ns_instances/{id}/action': NOT_ALLOWED,

  'POST /nslcm/v1/ns_instances/{id}/heal': { summary: 'Heal (SOL005 6.4.7): check the routers’ SAs and restore lost ones with fresh keys', responses: { 202: 'Started; Location of the NsLcmOpOcc', 400: 'Unknown VNF instance', ...NOT_FOUND, 409: 'Not instantiated or an operation is running' } },
  'GET /nslcm/v1/ns_instances/{id}/heal': NOT_ALLOWED,
  'PUT /nslcm/v1/ns_instances/{id}/heal': NOT_ALLOWED,
  'PATCH /nslcm/v1/ns_instances/{id}/heal': NOT_ALLOWED,
  'DELETE /nslcm/v1/ns_instances/{id}/heal': NOT_ALLOWED,

  'GET /nslcm/v1/ns_lcm_op_occs': { summary: 'List LCM operation occurrences, oldest first (?nsInstanceId=, SOL013 filters, paged)', ...LIST, responses: { 200: 'NsLcmOpOcc list', ...BAD_LIST_QUERY } },
  'GET /nslcm/v1/ns_lcm_op_occs/{id}': { summary: 'Read an occurrence: state, progress stage k/n, error', responses: { 200: 'NsLcmOpOcc', ...NOT_FOUND } },
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/retry': { summary: 'Run a FAILED_TEMP operation again (SOL005 6.4.10)', responses: { 202: 'Retrying', ...NOT_FOUND, 409: 'Not FAILED_TEMP' } },
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/rollback': { summary: 'Undo a FAILED_TEMP instantiation (SOL005 6.4.11)', responses: { 202: 'Rolling back', ...NOT_FOUND, 409: 'Not FAILED_TEMP, or not an instantiation' } },
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/fail': { summary: 'Give up a FAILED_TEMP operation: FAILED (SOL005 6.4.13)', responses: { 200: 'NsLcmOpOcc, FAILED', ...NOT_FOUND, 409: 'Not FAILED_TEMP' } },
  'POST /nslcm/v1/ns_lcm_op_occs/{id}/cancel': { summary: 'Stop a PROCESSING operation at its next stage: FAILED_TEMP (SOL005 6.4.14)', responses: { 202: 'Cancel pending', ...NOT_FOUND, 409: 'Not PROCESSING' } },

  'POST /nslcm/v1/subscriptions': { summary: 'Subscribe a callback to lifecycle notifications (its endpoint is tested with GET first)', responses: { 201: 'LccnSubscription', 400: 'Invalid request or the callback failed the test' } },
  'GET /nslcm/v1/subscriptions': { summary: 'List subscriptions (never their credentials; SOL013 filters, paged)', ...LIST, responses: { 200: 'LccnSubscription list', ...BAD_LIST_QUERY } },
  'GET /nslcm/v1/subscriptions/{id}': { summary: 'Read a subscription', responses: { 200: 'LccnSubscription', ...NOT_FOUND } },
  'DELETE /nslcm/v1/subscriptions/{id}': { summary: 'Unsubscribe', responses: { 204: 'Deleted', ...NOT_FOUND } },
};

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    problems: {
      type: 'array',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' }, file: { type: 'string' }, line: { type: 'integer' } } },
    },
  },
};

const UPLOAD_TYPES = ['application/yaml', 'application/gzip', 'application/zip'];

/** The query parameters of a list (SOL013 5.2 and 5.4.2). */
const LIST_PARAMETERS = [
  { name: 'filter', in: 'query', required: false, schema: { type: 'string' }, description: 'SOL013 5.2 attribute filter, e.g. (eq,nsState,INSTANTIATED);(cont,nsInstanceName,vpn); OSM-style ?attribute=value works too' },
  { name: MARKER_PARAM, in: 'query', required: false, schema: { type: 'string' }, description: 'SOL013 5.4.2: where the next page starts; take it from the Link header of the previous page, never build it' },
];

/** The Link header of a list page (SOL013 5.4.2.1). */
const LINK_HEADER = {
  Link: {
    description: `Present when more records follow: <same path and query + ${MARKER_PARAM}=…>; rel="next". The last page has none.`,
    schema: { type: 'string' },
  },
};

/** The document for the routes of `server`. */
export function openApiDocument(server: Server, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, doc] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string];
    const route = server.match(method.toLowerCase() as Parameters<Server['match']>[0], path.replace(/\{[^}]+\}/g, '{x}'));
    const open = route ? (route.settings.auth as unknown) === false : false;
    const validator = route?.settings.validate?.payload as { schema?: Schema; schemaName?: string } | undefined;
    const params: Record<string, unknown>[] = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (doc.list) params.push(...LIST_PARAMETERS);
    const role = route && !open ? routeRole(route) : undefined;
    // 401 wherever a token is needed; 403 only where a role above the lowest (viewer) is.
    const auth = open ? {} : role === 'viewer' ? { 401: PROBLEMS[401] } : PROBLEMS;
    const responses: Record<string, unknown> = {};
    for (const [code, description] of Object.entries({ ...doc.responses, ...auth })) {
      responses[code] = Number(code) >= 400 ? { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } } : { description, ...(doc.list && code === '200' ? { headers: LINK_HEADER } : {}) };
    }
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      summary: doc.summary,
      tags: [path.split('/')[1]],
      ...(role ? { description: `Role: ${role} or above.` } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(validator?.schema ? { requestBody: { required: true, content: { 'application/json': { schema: { title: validator.schemaName, ...(validator.schema as object) } } } } } : {}),
      ...(doc.upload ? { requestBody: { required: true, content: Object.fromEntries(UPLOAD_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) } } : {}),
      security: open ? [] : [{ bearer: [] }],
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'qnfv NFVO northbound API (ETSI GS NFV-SOL 005 paths)', version },
    servers: [{ url: '/' }, { url: '/osm', description: 'OSM-style prefix' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'POST /admin/v1/tokens' } },
      schemas: { ProblemDetails: PROBLEM_SCHEMA },
    },
  };
}
