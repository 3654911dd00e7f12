/**
 * `qnfv qkd-link`: run one simulated QKD link (BB84 with decoy states over
 * fibre, the real post-processing pipeline) between two KMEs serving ETSI GS
 * QKD 014, and print its secret key rate, QBER, reconciliation figures and
 * key pool levels every few seconds until Ctrl-C (or `--seconds`).
 */
import { QkdLink } from '../qkd/index.js';
import { configureLogging } from '../common/index.js';

export interface QkdLinkCommandOptions {
  fibreKm: number;
  seconds?: number;
  intervalS: number;
}

/** Run the link; resolves to the exit code. */
export async function runQkdLink(opts: QkdLinkCommandOptions): Promise<number> {
  if (!process.env.QNFV_LOG_LEVEL) configureLogging({ level: 'warn' });
  const link = await QkdLink.start({
    nodes: [
      { kmeId: 'kme-a', saeIds: ['sae-a'] },
      { kmeId: 'kme-b', saeIds: ['sae-b'] },
    ],
    feed: { kind: 'bb84-simulator', simulator: { channel: { kind: 'fibre', lengthKm: opts.fibreKm } } },
    etsi004: true,
  });
  process.stdout.write(`QKD link over ${opts.fibreKm} km of fibre; ETSI 014 KMEs at ${link.nodes.map((n) => n.kme014Url).join(' and ')} (SAEs sae-a, sae-b; X-SAE-ID header)\n`);
  process.stdout.write(`ETSI 004 key streams at 127.0.0.1:${link.nodes.map((n) => n.kme004Port).join(' and 127.0.0.1:')} (qkd://sae-a@kme-a, qkd://sae-b@kme-b; JSON over TCP)\n`);
  const print = () => process.stdout.write(`\n${link.describe().join('\n')}\n`);
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    if (opts.seconds !== undefined) setTimeout(resolve, opts.seconds * 1000);
  });
  const timer = setInterval(print, opts.intervalS * 1000);
  await stop;
  clearInterval(timer);
  print();
  await link.stop();
  return 0;
}
