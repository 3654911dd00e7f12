/**
 * The `local` VIM's site host program: one process per host, started by the
 * driver (detached, labelled) as
 *   node dist/vim/local/host-main.js --address a.b.c.d/len --gateway a.b.c.d
 *        --network <vl> --link-port <port> --framing ip --control <socket>
 * It binds its wire endpoint, answers ICMP echo (site-host.ts), and runs the
 * built-in commands that `exec` sends over the control socket
 * (host-commands.ts). Ends on SIGTERM/SIGINT.
 */
import { errorMessage } from '../../common/index.js';
import type { WireFraming } from '../../virtual-router/wire/index.js';
import { serveControl } from './host-control.js';
import { runHostCommand } from './host-commands.js';
import { SiteHost } from './site-host.js';

function arg(argv: string[], name: string): string {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

async function main(argv: string[]): Promise<void> {
  const framing = arg(argv, 'framing');
  if (framing !== 'ip' && framing !== 'esp-in-udp') throw new Error(`--framing must be ip or esp-in-udp, not '${framing}'`);
  const host = await SiteHost.open(
    { name: 'eth0', network: arg(argv, 'network'), address: arg(argv, 'address'), linkPort: Number(arg(argv, 'link-port')), framing: framing as WireFraming },
    arg(argv, 'gateway'),
  );
  const control = await serveControl(arg(argv, 'control'), (cmd) => runHostCommand(host, cmd));
  process.stdout.write(`host ${arg(argv, 'address')} ready (control ${arg(argv, 'control')})\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    control.close();
    void host.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`host failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
