#!/usr/bin/env node
/**
 * The `qnfv` command line.
 *   qnfv demo [--keep] [--data-dir DIR]   run the two-domain QKD-VPN demo
 *   qnfv package validate PATH            check a package (folder, .tar.gz, CSAR, YAML)
 */
import { runDemo } from './demo.js';
import { validatePackageCli } from '../nsd/index.js';
import { errorMessage } from '../common/index.js';

const USAGE = `usage:
  qnfv demo [--keep] [--data-dir DIR]   run the two-domain QKD-VPN demo (root)
  qnfv package validate PATH            validate a package: folder, OSM .tar.gz, SOL004 CSAR or descriptor`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'demo') {
    const i = rest.indexOf('--data-dir');
    return runDemo({ keep: rest.includes('--keep'), dataDir: i >= 0 ? rest[i + 1] : undefined });
  }
  if (cmd === 'package' && rest[0] === 'validate' && rest[1]) {
    const r = await validatePackageCli(rest[1]);
    (r.ok ? process.stdout : process.stderr).write(r.lines.join('\n') + '\n');
    return r.ok ? 0 : 1;
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
