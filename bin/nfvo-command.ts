/**
 * `qnfv nfvo`: the NFVO in the foreground, as an operator runs it.
 *   qnfv nfvo [--port 8080] [--host 127.0.0.1] [--data-dir .qnfv/nfvo]
 *             [--tls-cert FILE --tls-key FILE] [--token-ttl SECONDS] [--page-size N]
 * The store is the data directory, or Redis when REDIS_URL is set. When the
 * store has no users, the first admin comes from QNFV_ADMIN_USER and
 * QNFV_ADMIN_PASSWORD, or else gets a random password written to
 * `<data-dir>/initial-admin-password` (mode 0600). The NFVO's SSH identity
 * towards the domains' VCAs is `<data-dir>/nfvo_ed25519_key`; its public key
 * is printed so it can be authorised on each VCA. SIGINT/SIGTERM stop it
 * after running operations settle.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NfvoServer, SshDomainConnector } from '../nfvo/index.js';
import { openStore } from '../nfvo/store/index.js';
import { loadOrCreateKeyPair } from '../common/ssh/index.js';
import { ValidationError, createLogger } from '../common/index.js';

export interface NfvoCommandOptions {
  port: number;
  host: string;
  dataDir: string;
  tlsCert?: string;
  tlsKey?: string;
  tokenTtlS?: number;
  /** Records per page of the NBI's GET lists (SOL013 paging). */
  pageSize?: number;
  env: NodeJS.ProcessEnv;
}

/** Parse `qnfv nfvo` flags; throws ValidationError naming the flag. */
export function parseNfvoArgs(args: string[], env: NodeJS.ProcessEnv): NfvoCommandOptions {
  const known = new Set(['--port', '--host', '--data-dir', '--tls-cert', '--tls-key', '--token-ttl', '--page-size']);
  const vals = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    if (!known.has(flag)) throw new ValidationError(`unknown option '${flag}' (qnfv nfvo [--port N] [--host H] [--data-dir DIR] [--tls-cert F --tls-key F] [--token-ttl S] [--page-size N])`);
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new ValidationError(`${flag} needs a value`);
    vals.set(flag, v);
  }
  const port = Number(vals.get('--port') ?? env.QNFV_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError(`--port must be a TCP port (0-65535), not '${vals.get('--port')}'`);
  const ttl = vals.has('--token-ttl') ? Number(vals.get('--token-ttl')) : undefined;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) throw new ValidationError('--token-ttl must be a whole number of seconds > 0');
  const pageSize = vals.has('--page-size') ? Number(vals.get('--page-size')) : undefined;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0)) throw new ValidationError(`--page-size must be a whole number of records > 0, not '${vals.get('--page-size')}'`);
  if (vals.has('--tls-cert') !== vals.has('--tls-key')) throw new ValidationError('--tls-cert and --tls-key go together');
  return { port, host: vals.get('--host') ?? '127.0.0.1', dataDir: resolve(vals.get('--data-dir') ?? '.qnfv/nfvo'), tlsCert: vals.get('--tls-cert'), tlsKey: vals.get('--tls-key'), tokenTtlS: ttl, pageSize, env };
}

/** A stable installation id for this data directory (labels of everything the NFVO creates). */
async function installationId(dataDir: string): Promise<string> {
  const file = join(dataDir, 'installation-id');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const id = `qnfv${randomBytes(6).toString('hex')}`;
    await writeFile(file, `${id}\n`, { mode: 0o644 });
    return id;
  }
}

/** Run the NFVO until SIGINT/SIGTERM; resolves to the exit code. */
export async function runNfvo(o: NfvoCommandOptions): Promise<number> {
  const log = createLogger('nfvo');
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore({ dataDir: o.dataDir, redisUrl: o.env.REDIS_URL });
  const key = await loadOrCreateKeyPair(join(o.dataDir, 'nfvo_ed25519_key'), 'qnfv-nfvo');
  let bootstrapAdmin: { username: string; password: string } | undefined;
  if (o.env.QNFV_ADMIN_USER && o.env.QNFV_ADMIN_PASSWORD) {
    bootstrapAdmin = { username: o.env.QNFV_ADMIN_USER, password: o.env.QNFV_ADMIN_PASSWORD };
  } else if ((await store.collection('users').list()).length === 0) {
    bootstrapAdmin = { username: o.env.QNFV_ADMIN_USER ?? 'admin', password: randomBytes(18).toString('base64url') };
    const file = join(o.dataDir, 'initial-admin-password');
    await writeFile(file, `${bootstrapAdmin.password}\n`, { mode: 0o600 });
    log.warn('no users yet and QNFV_ADMIN_USER/QNFV_ADMIN_PASSWORD not set: created the first admin with a random password', { username: bootstrapAdmin.username, passwordFile: file });
  }
  const nfvo = new NfvoServer({
    dataDir: o.dataDir,
    installationId: await installationId(o.dataDir),
    connector: new SshDomainConnector({ privateKey: key.privateKey }),
    store,
    host: o.host,
    port: o.port,
    tls: o.tlsCert && o.tlsKey ? { cert: await readFile(o.tlsCert), key: await readFile(o.tlsKey) } : undefined,
    tokenTtlS: o.tokenTtlS,
    pageSize: o.pageSize,
    bootstrapAdmin,
    logger: log,
  });
  const url = await nfvo.start();
  process.stdout.write(`NFVO listening on ${url} (store: ${o.env.REDIS_URL ? 'redis' : o.dataDir})\nSSH public key for the domains' VCAs: ${key.publicKey}\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  log.info('stopping');
  await nfvo.stop();
  return 0;
}
