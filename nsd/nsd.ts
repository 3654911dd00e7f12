/**
 * Parse and validate an ETSI GS NFV-SOL 006 NSD as OSM writes it in YAML (`nsd: {nsd: [...]}`),
 * with qnfv's `qnfv:security-profile` extension: 1. YAML → value + line index; 2. top-level key
 * (pre-SOL006 `nsd-catalog` refused); 3. JSON Schema (nsd-schema.ts); 4. semantic checks
 * (nsd-checks.ts). Steps 3 and 4 both run: one call reports every problem with path, file, line.
 * Checks against the VNFDs the NSD uses are separate (vnfd-cross-check.ts): they need a catalog.
 */
import { ValidationError, type Problem } from '../common/index.js';
import { addSchemaProblems, compileSchema, descriptorKind, findDescriptorRoot, isObj, loadYaml, ProblemList, type YamlPosition, type YamlSource } from '../vnfd/index.js';
import { checkNsd } from './nsd-checks.js';
import type { Nsd } from './nsd-model.js';
import { nsdSchema } from './nsd-schema.js';
import { toNsd } from './nsd-view.js';

const validateSchema = compileSchema(nsdSchema);

/** Problems of a loaded NSD document, with lines when `positions` is given. */
export function nsdProblems(doc: unknown, file?: string, positions?: ReadonlyMap<string, YamlPosition>): Problem[] {
  const out = new ProblemList({ file, positions });
  const root = findDescriptorRoot(doc, 'nsd', out);
  if (root) {
    addSchemaProblems(validateSchema, root.value, [root.key], out);
    if (isObj(root.value)) checkNsd(root.value, [root.key], out);
  }
  return out.items;
}

/** Validate an NSD document already loaded (e.g. from JSON): every problem, without lines. */
export function validateNsd(obj: unknown, file?: string): Problem[] {
  return nsdProblems(obj, file);
}

/** Parse NSD text and collect every problem; the typed view is returned only when there are none. */
export function checkNsdText(text: string, file?: string): { nsd?: Nsd; problems: Problem[] } {
  const { source, problems } = loadYaml(text, file);
  return source ? checkNsdSource(source, file) : { problems };
}

/** `checkNsdText` for text already loaded with `loadYaml` (a package loader need not parse it twice). */
export function checkNsdSource(source: YamlSource, file?: string): { nsd?: Nsd; problems: Problem[] } {
  const found = nsdProblems(source.value, file, source.positions);
  if (found.length > 0) return { problems: found };
  const doc = source.value as Record<string, unknown>; // a mapping: findDescriptorRoot found the root key in it
  return { nsd: toNsd(doc, descriptorKind(doc)?.key ?? 'nsd', { text: source.text, file, positions: source.positions }), problems: [] };
}

/** Parse NSD text (YAML or JSON) into the typed view; throws ValidationError listing every problem. */
export function parseNsd(text: string, file?: string): Nsd {
  const { nsd, problems } = checkNsdText(text, file);
  if (!nsd) throw new ValidationError(`NSD${file ? ` ${file}` : ''} is invalid`, problems);
  return nsd;
}
