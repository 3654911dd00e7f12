/**
 * Parse and validate an ETSI GS NFV-SOL 006 VNFD as OSM writes it in YAML (`vnfd:` at the top):
 * 1. YAML → value + line index (yaml-source.ts); 2. top-level key (pre-SOL006 catalogs refused,
 * descriptor-kind.ts); 3. JSON Schema (vnfd-schema.ts); 4. semantic checks (vnfd-checks.ts).
 * Steps 3 and 4 both run, so one call reports every problem, each with path, file and line.
 */
import { ValidationError, type Problem } from '../common/index.js';
import { descriptorKind, findDescriptorRoot } from './descriptor-kind.js';
import { ProblemList } from './problem-list.js';
import { addSchemaProblems, compileSchema } from './schema-validator.js';
import { isObj } from './tree.js';
import { checkVnfd } from './vnfd-checks.js';
import type { Vnfd } from './vnfd-model.js';
import { vnfdSchema } from './vnfd-schema.js';
import { toVnfd } from './vnfd-view.js';
import { loadYaml, type YamlPosition, type YamlSource } from './yaml-source.js';

const validateSchema = compileSchema(vnfdSchema);

/** Problems of a loaded VNFD document, with lines when `positions` is given. */
export function vnfdProblems(doc: unknown, file?: string, positions?: ReadonlyMap<string, YamlPosition>): Problem[] {
  const out = new ProblemList({ file, positions });
  const root = findDescriptorRoot(doc, 'vnfd', out);
  if (root) {
    addSchemaProblems(validateSchema, root.value, [root.key], out);
    if (isObj(root.value)) checkVnfd(root.value, [root.key], out);
  }
  return out.items;
}

/** Validate a VNFD document already loaded (e.g. from JSON): every problem, without lines. */
export function validateVnfd(obj: unknown, file?: string): Problem[] {
  return vnfdProblems(obj, file);
}

/** Parse VNFD text and collect every problem; the typed view is returned only when there are none. */
export function checkVnfdText(text: string, file?: string): { vnfd?: Vnfd; problems: Problem[] } {
  const { source, problems } = loadYaml(text, file);
  return source ? checkVnfdSource(source, file) : { problems };
}

/** `checkVnfdText` for text already loaded with `loadYaml` (a package loader need not parse it twice). */
export function checkVnfdSource(source: YamlSource, file?: string): { vnfd?: Vnfd; problems: Problem[] } {
  const found = vnfdProblems(source.value, file, source.positions);
  if (found.length > 0) return { problems: found };
  const doc = source.value as Record<string, unknown>; // a mapping: findDescriptorRoot found the root key in it
  return { vnfd: toVnfd(doc, descriptorKind(doc)?.key ?? 'vnfd', { text: source.text, file, positions: source.positions }), problems: [] };
}

/** Parse VNFD text (YAML or JSON) into the typed view; throws ValidationError listing every problem. */
export function parseVnfd(text: string, file?: string): Vnfd {
  const { vnfd, problems } = checkVnfdText(text, file);
  if (!vnfd) throw new ValidationError(`VNFD${file ? ` ${file}` : ''} is invalid`, problems);
  return vnfd;
}
