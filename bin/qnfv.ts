#!/usr/bin/env node
/**
 * The `qnfv` command line.
 *   qnfv demo [--keep] [--data-dir DIR] [--qkd bb84|csprng] [--vim netns|docker|local]   run the two-domain QKD-VPN demo
 *   qnfv qkd-link [--km N] [--seconds S] [--interval S]   run a simulated BB84 QKD link and print its rate, QBER and pools
 *   qnfv package validate PATH            check a package (folder, .tar.gz, CSAR, YAML)
 *   qnfv package build FOLDER [--out FILE]   write FOLDER.tar.gz with a fresh checksums.txt
 *   qnfv nfvo [--port N] [--data-dir DIR] ...   run the NFVO in the foreground (bin/nfvo-command.ts)
 *   qnfv login|logout|nsd|vnfpkg|ns|op|vim ...  the NFVO's command line (bin/cli)
 */
// Each command loads what it needs: the CLI's NFVO commands start in a fraction of the demo's load time.
import { ValidationError, errorMessage } from '../common/index.js';
import { CLI_GROUPS, CLI_USAGE } from './cli/usage.js';

const USAGE = `usage:
  qnfv demo [--keep] [--data-dir DIR] [--qkd bb84|csprng] [--vim netns|docker|local]
                                        run the two-domain QKD-VPN demo (netns as root, local without)
  qnfv qkd-link [--km N] [--seconds S] [--interval S]
                                        run a simulated BB84 QKD link and print its rate, QBER and pools
  qnfv package validate PATH            validate a package: folder, OSM .tar.gz, SOL004 CSAR or descriptor
  qnfv package build FOLDER [--out FILE]
                                        validate an OSM package folder and write it as FOLDER.tar.gz
                                        (or FILE, or FILE/<folder>.tar.gz) with a fresh checksums.txt
  qnfv nfvo [--port 8080] [--host 127.0.0.1] [--data-dir .qnfv/nfvo] [--tls-cert F --tls-key F] [--token-ttl S]
            [--page-size N]
                                        run the NFVO (REDIS_URL selects Redis; QNFV_ADMIN_USER/QNFV_ADMIN_PASSWORD the first admin)
${CLI_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'demo') {
    const i = rest.indexOf('--data-dir');
    const q = rest.indexOf('--qkd');
    const qkdFeed = q >= 0 ? rest[q + 1] : 'bb84';
    if (qkdFeed !== 'bb84' && qkdFeed !== 'csprng') {
      process.stderr.write(`--qkd must be 'bb84' (the BB84 decoy-state link simulator) or 'csprng' (a stand-in that feeds both ends random keys)\n`);
      return 2;
    }
    const { runDemo } = await import('./demo.js');
    const v = rest.indexOf('--vim');
    // Without --vim the demo picks netns when it runs as root (and netns can run), local otherwise.
    const vim = v >= 0 ? rest[v + 1] : undefined;
    if (vim !== undefined && vim !== 'netns' && vim !== 'docker' && vim !== 'local') {
      process.stderr.write(`--vim must be 'netns' (network namespaces, root), 'docker' (containers on Open vSwitch; needs scripts/setup.sh --test) or 'local' (child processes on loopback, no root)\n`);
      return 2;
    }
    return runDemo({ keep: rest.includes('--keep'), dataDir: i >= 0 ? rest[i + 1] : undefined, qkdFeed, vim });
  }
  if (cmd === 'qkd-link') {
    const num = (flag: string): number | undefined => {
      const j = rest.indexOf(flag);
      return j >= 0 ? Number(rest[j + 1]) : undefined;
    };
    const fibreKm = num('--km') ?? 25;
    const seconds = num('--seconds');
    if (!(fibreKm >= 0) || (seconds !== undefined && !(seconds > 0))) {
      process.stderr.write('--km must be a length in km (≥ 0) and --seconds a positive number\n');
      return 2;
    }
    const { runQkdLink } = await import('./qkd-link.js');
    return runQkdLink({ fibreKm, seconds, intervalS: num('--interval') ?? 5 });
  }
  if (cmd === 'package' && rest[0] === 'validate' && rest[1]) {
    const { validatePackageCli } = await import('../nsd/index.js');
    const r = await validatePackageCli(rest[1]);
    (r.ok ? process.stdout : process.stderr).write(r.lines.join('\n') + '\n');
    return r.ok ? 0 : 1;
  }
  if (cmd === 'package' && rest[0] === 'build') {
    const args = rest.slice(1);
    const o = args.indexOf('--out');
    const out = o >= 0 ? args[o + 1] : undefined;
    const positional = o < 0 ? args : [...args.slice(0, o), ...args.slice(o + 2)];
    if (positional.length === 1 && !positional[0]!.startsWith('-') && (o < 0 || out !== undefined)) {
      const { buildPackageCli } = await import('../nsd/index.js');
      const r = await buildPackageCli(positional[0]!, { out });
      (r.ok ? process.stdout : process.stderr).write(r.lines.join('\n') + '\n');
      return r.ok ? 0 : 1;
    }
  }
  if (cmd === 'nfvo') {
    const { parseNfvoArgs, runNfvo } = await import('./nfvo-command.js');
    try {
      return await runNfvo(parseNfvoArgs(rest, process.env));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      process.stderr.write(`qnfv nfvo: ${err.message}\n`);
      return 2;
    }
  }
  if (cmd !== undefined && CLI_GROUPS.has(cmd)) {
    const { runCli } = await import('./cli/index.js');
    return runCli(argv, { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), env: process.env, tty: process.stdout.isTTY === true });
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
