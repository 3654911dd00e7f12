/**
 * The text of `qnfv package validate PATH` (issue 4 "Interfaces that automation will use"): one
 * summary line, then one line per problem (`<path>: <message> (<file>:<line>)`). Pure: it returns
 * the lines and the verdict; bin/qnfv.ts prints them and exits 0 when `ok`, non-zero otherwise.
 * An NSD is validated on its own: its VNFDs are checked when it is onboarded into a catalog.
 */
import { formatProblems } from '../common/index.js';
import type { PackageFormat } from '../vnfd/index.js';
import { loadPackage, type LoadPackageOptions } from './package-loader.js';

const FORMAT_WORDS: Record<PackageFormat, string> = {
  folder: 'OSM package folder',
  'tar.gz': 'OSM package archive (tar.gz)',
  tar: 'OSM package archive (tar)',
  csar: 'SOL004 CSAR',
  descriptor: 'single descriptor file',
};

/** Validate the package at `path` and render the report: `ok` is true exactly when there is no problem. */
export async function validatePackageCli(path: string, options: LoadPackageOptions = {}): Promise<{ ok: boolean; lines: string[] }> {
  const pkg = await loadPackage(path, options);
  const format = pkg.format ? `, ${FORMAT_WORDS[pkg.format]}` : '';
  if (pkg.kind === 'vnf' && pkg.descriptor) {
    return { ok: true, lines: [`${path}: valid VNF package (VNFD ${pkg.descriptor.id}${format})`] };
  }
  if (pkg.kind === 'ns' && pkg.descriptor) {
    const uses = pkg.descriptor.vnfdId.join(', ');
    return { ok: true, lines: [`${path}: valid NS package (NSD ${pkg.descriptor.id}${format}; onboard its VNF packages first: ${uses})`] };
  }
  const n = pkg.problems.length;
  return { ok: false, lines: [`${path}: invalid package (${n} problem${n === 1 ? '' : 's'}${format})`, ...pkg.problems.map((p) => `  ${formatProblems([p])}`)] };
}
