/**
 * ETSI SOL005 catalog routes: NSD management (`/nsd/v1/ns_descriptors`,
 * clause 5.4) and VNF package management (`/vnfpkgm/v1/vnf_packages`,
 * clause 9.4), plus OSM's one-shot `…_content` uploads. Descriptor content
 * is descriptor YAML, an OSM package `.tar.gz` or a SOL004 CSAR zip (told
 * apart by content, any of the allowed content types); problems in it are
 * answered with 422 and the full list of problems (path, reason, line), as
 * OSM's NBI does.
 */
import type { ServerRoute, Request } from '@hapi/hapi';
import Boom from '@hapi/boom';
import { ValidationError } from '../../common/index.js';
import type { Catalog } from '../catalog/index.js';
import { wrap } from './nslcm-routes.js';
import { ajvValidator } from './validate.js';
import { selectList } from './list-filter.js';
import { Pager } from './paging.js';

const nsdModificationsSchema = {
  type: 'object',
  minProperties: 1,
  properties: { nsdOperationalState: { enum: ['ENABLED', 'DISABLED'] }, userDefinedData: { type: 'object' } },
  additionalProperties: false,
};

const vnfPkgModificationsSchema = {
  type: 'object',
  minProperties: 1,
  properties: { operationalState: { enum: ['ENABLED', 'DISABLED'] }, userDefinedData: { type: 'object' } },
  additionalProperties: false,
};

const YAML_UPLOAD = {
  parse: false as const,
  output: 'data' as const,
  allow: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain', 'application/octet-stream', 'application/gzip', 'application/zip', 'application/x-tar'],
  maxBytes: 16 * 1024 * 1024,
};

/** The uploaded bytes (descriptor YAML, OSM .tar.gz or SOL004 CSAR; told apart by content). */
function upload(req: Request): Buffer {
  return req.payload as Buffer;
}

/** Descriptor problems → 422 with every problem listed. */
async function onboarding<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ValidationError) throw Boom.badData(err.message, { problems: err.problems });
    throw err;
  }
}

const fileName = (req: Request, dflt: string): string => {
  const cd = String(req.headers['content-disposition'] ?? '');
  return /filename="?([^";]+)"?/.exec(cd)?.[1] ?? dflt;
};

/** The `/nsd/v1` and `/vnfpkgm/v1` routes; lists are paged by `pager`. */
export function catalogRoutes(catalog: Catalog, pager = new Pager()): ServerRoute[] {
  const vnf = '/vnfpkgm/v1';
  const nsd = '/nsd/v1';
  const userData = (req: Request) => ((req.payload as { userDefinedData?: Record<string, unknown> } | null)?.userDefinedData);
  return [
    {
      method: 'POST',
      path: `${vnf}/vnf_packages`,
      handler: wrap(async (req, h) => {
        const p = await catalog.createVnfPackage(userData(req));
        return h.response(p).code(201).header('Location', p._links.self.href);
      }),
    },
    { method: 'GET', path: `${vnf}/vnf_packages`, handler: wrap(async (req, h) => pager.reply(req, h, selectList(await catalog.listVnfPackages(), req.query))) },
    { method: 'GET', path: `${vnf}/vnf_packages/{id}`, handler: wrap(async (req) => catalog.viewVnfPackage(req.params.id as string)) },
    {
      method: 'PATCH',
      path: `${vnf}/vnf_packages/{id}`,
      options: { validate: { payload: ajvValidator(vnfPkgModificationsSchema, 'VnfPkgInfoModifications') } },
      handler: wrap(async (req) => catalog.modifyVnfPackage(req.params.id as string, req.payload as never)),
    },
    {
      method: 'PUT',
      path: `${vnf}/vnf_packages/{id}/package_content`,
      options: { payload: YAML_UPLOAD },
      handler: wrap(async (req, h) => {
        await onboarding(() => catalog.uploadVnfPackage(req.params.id as string, upload(req), fileName(req, 'vnfd.yaml')));
        return h.response().code(202);
      }),
    },
    {
      method: 'POST',
      path: `${vnf}/vnf_packages_content`,
      options: { payload: YAML_UPLOAD },
      handler: wrap(async (req, h) => {
        const body = upload(req);
        const p = await catalog.createVnfPackage();
        try {
          const done = await onboarding(() => catalog.uploadVnfPackage(p.id, body, fileName(req, 'vnfd.yaml')));
          return h.response({ id: done.id }).code(201).header('Location', done._links.self.href);
        } catch (err) {
          await catalog.vnfPkgs.delete(p.id);
          throw err;
        }
      }),
    },
    {
      method: 'GET',
      path: `${vnf}/vnf_packages/{id}/vnfd`,
      handler: wrap(async (req, h) => h.response(await catalog.vnfdText(req.params.id as string)).type('application/yaml')),
    },
    {
      method: 'DELETE',
      path: `${vnf}/vnf_packages/{id}`,
      handler: wrap(async (req, h) => {
        await catalog.deleteVnfPackage(req.params.id as string);
        return h.response().code(204);
      }),
    },
    {
      method: 'POST',
      path: `${nsd}/ns_descriptors`,
      handler: wrap(async (req, h) => {
        const n = await catalog.createNsd(userData(req));
        return h.response(n).code(201).header('Location', n._links.self.href);
      }),
    },
    { method: 'GET', path: `${nsd}/ns_descriptors`, handler: wrap(async (req, h) => pager.reply(req, h, selectList(await catalog.listNsds(), req.query))) },
    { method: 'GET', path: `${nsd}/ns_descriptors/{id}`, handler: wrap(async (req) => catalog.viewNsd(req.params.id as string)) },
    {
      method: 'PATCH',
      path: `${nsd}/ns_descriptors/{id}`,
      options: { validate: { payload: ajvValidator(nsdModificationsSchema, 'NsdInfoModifications') } },
      handler: wrap(async (req) => catalog.modifyNsd(req.params.id as string, req.payload as never)),
    },
    {
      method: 'PUT',
      path: `${nsd}/ns_descriptors/{id}/nsd_content`,
      options: { payload: YAML_UPLOAD },
      handler: wrap(async (req, h) => {
        await onboarding(() => catalog.uploadNsPackage(req.params.id as string, upload(req), fileName(req, 'nsd.yaml')));
        return h.response().code(204);
      }),
    },
    {
      method: 'POST',
      path: `${nsd}/ns_descriptors_content`,
      options: { payload: YAML_UPLOAD },
      handler: wrap(async (req, h) => {
        const body = upload(req);
        const n = await catalog.createNsd();
        try {
          const done = await onboarding(() => catalog.uploadNsPackage(n.id, body, fileName(req, 'nsd.yaml')));
          return h.response({ id: done.id }).code(201).header('Location', done._links.self.href);
        } catch (err) {
          await catalog.nsds.delete(n.id);
          throw err;
        }
      }),
    },
    {
      method: 'GET',
      path: `${nsd}/ns_descriptors/{id}/nsd_content`,
      handler: wrap(async (req, h) => h.response(await catalog.nsdText(req.params.id as string)).type('application/yaml')),
    },
    {
      method: 'DELETE',
      path: `${nsd}/ns_descriptors/{id}`,
      handler: wrap(async (req, h) => {
        await catalog.deleteNsd(req.params.id as string);
        return h.response().code(204);
      }),
    },
  ];
}
