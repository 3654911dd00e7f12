/**
 * Package files a VNFD names (OSM IM on top of ETSI GS NFV-SOL 006): a VDU's `cloud-init-file`
 * (a file under `cloud_init/`) and the juju charm of a day1-2 execution environment (under
 * `charms/`). OSM's NBI refuses a package whose descriptor names one that is not in it
 * (`osm_nbi/descriptor_topics.py`, design/MANO-NOTES.md §1.3 rule 5), and so does qnfv, for a
 * folder, an archive or a single uploaded descriptor alike (OSM's SOL004 layout `Scripts/cloud_init/`
 * and `Scripts/charms/` is accepted). Reads a loaded document tolerantly: the descriptor may have
 * other problems, reported elsewhere.
 */
import type { Problem } from '../common/index.js';
import { CHARM_DIRS, CLOUD_INIT_DIRS } from './constants.js';
import { descriptorKind } from './descriptor-kind.js';
import { isTreeFile, treeDirHasEntries, treeHas, type PackageTree } from './package-tree.js';
import { ProblemList } from './problem-list.js';
import { isObj, listAt, objAt, strAt } from './tree.js';
import { loadYaml, type LoadedYaml, type PathSegment } from './yaml-source.js';

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

/**
 * Problems for files the (VNF) descriptor `text` names that the package lacks; `file` names the
 * descriptor. `loaded`: the text already loaded with `loadYaml`, so that it is not parsed again.
 */
export function missingArtifacts(tree: PackageTree, text: string, file: string, loaded?: LoadedYaml): Problem[] {
  const { source } = loaded ?? loadYaml(text, file);
  if (!source) return []; // the descriptor parser reports the YAML error
  const out = new ProblemList({ file, positions: source.positions });
  for (const ref of referencedArtifacts(source.value)) checkArtifact(tree, ref, out);
  return out.items;
}

function checkArtifact(tree: PackageTree, ref: ArtifactRef, out: ProblemList): void {
  if (ref.name !== undefined && (ref.name.split('/').includes('..') || ref.name.startsWith('/') || ref.name.includes('\\'))) {
    out.add(ref.path, `'${ref.name}' must be a name inside the package's ${ref.kind === 'cloud-init' ? 'cloud_init' : 'charms'}/ folder`);
    return;
  }
  if (ref.kind === 'cloud-init') {
    const name = ref.name ?? '';
    if (!CLOUD_INIT_DIRS.some((d) => isTreeFile(tree, `${d}/${name}`))) {
      out.add(ref.path, `Cloud-init defined in ${ref.owner} but not present in package: no ${CLOUD_INIT_DIRS.map((d) => `${d}/${name}`).join(' or ')}`);
    }
    return;
  }
  const present =
    ref.name === undefined
      ? CHARM_DIRS.some((d) => treeDirHasEntries(tree, d))
      : CHARM_DIRS.some((d) => treeHas(tree, `${d}/${ref.name}`) || isTreeFile(tree, `${d}/${ref.name}.charm`));
  if (!present) {
    const where = ref.name === undefined ? 'charms/ is missing or empty' : `no ${CHARM_DIRS.map((d) => `${d}/${ref.name}`).join(' or ')}`;
    out.add(ref.path, `Charm defined in ${ref.owner} but not present in package: ${where}`);
  }
}
