/**
 * Package files a VNFD names (OSM IM on top of ETSI GS NFV-SOL 006): a VDU's `cloud-init-file`
 * (a file under `cloud_init/`) and the juju charm of a day1-2 execution environment (under
 * `charms/`). OSM's NBI refuses a package whose descriptor names one that is not in it
 * (`osm_nbi/descriptor_topics.py`, design/MANO-NOTES.md §1.3 rule 5). Reads a loaded document
 * tolerantly: the descriptor may have other problems, reported elsewhere.
 */
import { descriptorKind } from './descriptor-kind.js';
import { isObj, listAt, objAt, strAt } from './tree.js';
import type { PathSegment } from './yaml-source.js';

/** One file or folder a VNFD expects in its package. */
export interface ArtifactRef {
  kind: 'cloud-init' | 'charm';
  /** Cloud-init file name, or charm name (absent for a juju environment that names no charm). */
  name?: string;
  /** Where the descriptor names it. */
  path: PathSegment[];
  /** OSM-style owner for messages: `vnf[id=x]` or `vnf[id=x]:vdu[id=y]`. */
  owner: string;
}

/** Every artifact a loaded VNFD document names (none for any other document). */
export function referencedArtifacts(doc: unknown): ArtifactRef[] {
  const found = descriptorKind(doc);
  if (!found || found.kind !== 'vnfd' || !isObj(doc)) return [];
  const vnfd = doc[found.key];
  const vnfdId = strAt(vnfd, 'id') ?? '?';
  const refs: ArtifactRef[] = [];
  listAt(vnfd, 'vdu').forEach((vdu, i) => {
    const file = strAt(vdu, 'cloud-init-file');
    if (file !== undefined) refs.push({ kind: 'cloud-init', name: file, path: [found.key, 'vdu', i, 'cloud-init-file'], owner: `vnf[id=${vnfdId}]:vdu[id=${strAt(vdu, 'id') ?? '?'}]` });
  });
  listAt(vnfd, 'df').forEach((df, i) => {
    const configs = listAt(objAt(objAt(df, 'lcm-operations-configuration'), 'operate-vnf-op-config'), 'day1-2');
    configs.forEach((cfg, j) => {
      const id = strAt(cfg, 'id') ?? '?';
      const owner = id === vnfdId ? `vnf[id=${vnfdId}]` : `vnf[id=${vnfdId}]:vdu[id=${id}]`;
      listAt(cfg, 'execution-environment-list').forEach((ee, k) => {
        const juju = objAt(ee, 'juju');
        if (!juju) return;
        const at: PathSegment[] = [found.key, 'df', i, 'lcm-operations-configuration', 'operate-vnf-op-config', 'day1-2', j, 'execution-environment-list', k, 'juju'];
        const charm = strAt(juju, 'charm');
        refs.push(charm === undefined ? { kind: 'charm', path: at, owner } : { kind: 'charm', name: charm, path: [...at, 'charm'], owner });
      });
    });
  });
  return refs;
}
