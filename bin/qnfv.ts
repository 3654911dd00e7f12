#!/usr/bin/env node
/**
 * The `qnfv` command line.
 *   qnfv demo [--keep] [--data-dir DIR]   run the two-domain QKD-VPN demo
 *   qnfv package validate PATH            check an OSM/SOL006 package folder
 */
import { runDemo } from './demo.js';
import { loadDescriptorPackage } from '../nsd/index.js';
import { ValidationError, errorMessage, formatProblems } from '../common/index.js';

const USAGE = `usage:
  qnfv demo [--keep] [--data-dir DIR]   run the two-domain QKD-VPN demo (root)
  qnfv package validate PATH            validate an OSM (SOL006) package folder`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'demo') {
    const i = rest.indexOf('--data-dir');
    return runDemo({ keep: rest.includes('--keep'), dataDir: i >= 0 ? rest[i + 1] : undefined });
  }
  if (cmd === 'package' && rest[0] === 'validate' && rest[1]) {
    try {
      const pkg = loadDescriptorPackage(rest[1]);
      process.stdout.write(`${rest[1]}: valid ${pkg.kind === 'ns' ? `NS package (NSD ${pkg.nsd.id})` : `VNF package (VNFD ${pkg.vnfd.id})`}\n`);
      return 0;
    } catch (err) {
      if (err instanceof ValidationError) {
        process.stderr.write(`${rest[1]}: invalid package\n${err.problems.map((p) => `  ${formatProblems([p])}`).join('\n')}\n`);
        return 1;
      }
      throw err;
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return cmd === undefined || cmd === '--help' || cmd === 'help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`qnfv: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
