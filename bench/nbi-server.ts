/**
 * The NFVO under test of `bench:nbi`, in its own process so that the load
 * generator (autocannon, in the parent) does not share its event loop. It
 * starts an NfvoServer on 127.0.0.1 with the chosen store and a first admin,
 * logs in, and prints one JSON line `{"url":…,"token":…,"pid":…}` on stdout.
 * It stops (server, store) on SIGTERM/SIGINT or when its stdin closes (the
 * parent went away). No domains: the connector throws, and the routes the
 * bench calls never use it. Logging is at `warn` unless QNFV_LOG_LEVEL says
 * otherwise (records go to stderr).
 * Usage: node dist/bench/nbi-server.js --store file|redis --data-dir DIR
 *          [--redis-url redis://127.0.0.1:6379/0] [--redis-prefix P] [--page-size N]
 */
import { randomBytes } from 'node:crypto';
import { configureLogging } from '../common/index.js';
import { NfvoServer, type DomainConnector } from '../nfvo/index.js';
import { openStore } from '../nfvo/store/index.js';

const ADMIN = { username: 'bench', password: 'bench-nbi-password' };

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (!process.env.QNFV_LOG_LEVEL) configureLogging({ level: 'warn' });
  const store = opt('store');
  const dataDir = opt('data-dir');
  const redisUrl = opt('redis-url');
  if (store !== 'file' && store !== 'redis') throw new Error('--store file|redis is required');
  if (!dataDir) throw new Error('--data-dir DIR is required');
  if (store === 'redis' && !redisUrl) throw new Error('--store redis needs --redis-url');

  const connector: DomainConnector = {
    connect: async () => {
      throw new Error('no domains in this benchmark');
    },
  };
  const nfvo = new NfvoServer({
    dataDir,
    installationId: `b${randomBytes(8).toString('hex')}`,
    connector,
    store: await openStore({ dataDir, redisUrl: store === 'redis' ? redisUrl : undefined, redisPrefix: opt('redis-prefix') }),
    bootstrapAdmin: ADMIN,
    pageSize: opt('page-size') === undefined ? undefined : Number(opt('page-size')),
  });
  // A stop asked for while the server starts waits for the start to settle.
  let starting: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= starting
      .catch(() => undefined)
      .then(() => nfvo.stop())
      .then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`nbi-server: stop failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    ));
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();

  const start = nfvo.start();
  starting = start;
  const url = await start;
  if (stopping) return;
  const r = await fetch(`${url}/admin/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  if (r.status !== 200 && r.status !== 201) throw new Error(`login failed: HTTP ${r.status} ${await r.text()}`);
  const { id: token } = (await r.json()) as { id: string };
  process.stdout.write(`${JSON.stringify({ url, token, pid: process.pid })}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
