/**
 * The certificates ETSI GS QKD 014 v1.1.1 §4.2 calls for (HTTPS, mutual TLS),
 * made by the project with the `openssl` CLI (OpenSSL ≥ 1.1.1, argument
 * arrays through `execFile`, no shell): one CA, one server certificate per KME
 * (subjectAltName: the hosts it is reached at, serverAuth) and one client
 * certificate per SAE whose subject CN is the SAE id (plus a SAN URI
 * `urn:qnfv:sae:<id>`, clientAuth). EC P-256 keys, SHA-256 signatures. Private
 * keys are written mode 0600 in a 0700 directory; the CA key stays there too.
 *
 * For tests, the demo and labs: a real deployment brings its own PKI.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DriverError, PrerequisiteError, ValidationError } from '../../common/index.js';

/** Paths of one certificate and its key (PEM). */
export interface CertKeyPaths {
  cert: string;
  key: string;
}

/** What `createEtsi014Pki` wrote. */
export interface Etsi014Pki {
  dir: string;
  /** The CA certificate every party trusts. */
  caCert: string;
  /** Server certificate and key per KME id. */
  kmes: Record<string, CertKeyPaths>;
  /** Client certificate and key per SAE id. */
  saes: Record<string, CertKeyPaths>;
}

/** Runs `openssl` with arguments; rejects with DriverError. Injectable for tests. */
export type OpensslRunner = (args: readonly string[]) => Promise<void>;

/** Options of `createEtsi014Pki`. */
export interface Etsi014PkiOptions {
  /** Directory to write into (created 0700). */
  dir: string;
  kmeIds: readonly string[];
  saeIds: readonly string[];
  /** Names the KMEs are reached at (default 127.0.0.1, ::1 and localhost). */
  hosts?: readonly string[];
  /** Validity in days (default 365). */
  days?: number;
  run?: OpensslRunner;
}

/** PEM material for a TLS client (an SAE). */
export interface Etsi014ClientTls {
  cert: string;
  key: string;
  ca: string;
}

/** PEM material for a TLS server (a KME). */
export interface Etsi014ServerTls {
  cert: string;
  key: string;
  ca: string;
  /** Refuse the TLS handshake without a valid client certificate (default false: answer HTTP 401). */
  rejectUnauthorized?: boolean;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Run the real `openssl`. */
export const execOpenssl: OpensslRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile('openssl', [...args], { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new PrerequisiteError('openssl is not installed; install it (Debian: apt-get install openssl)'));
      }
      reject(new DriverError(['openssl', ...args], typeof err.code === 'number' ? err.code : null, String(stderr)));
    });
  });

/** Create a CA, a server certificate per KME and a client certificate per SAE in `dir`. */
export async function createEtsi014Pki(opts: Etsi014PkiOptions): Promise<Etsi014Pki> {
  const run = opts.run ?? execOpenssl;
  const days = String(opts.days ?? 365);
  const hosts = opts.hosts ?? ['127.0.0.1', '::1', 'localhost'];
  for (const id of [...opts.kmeIds, ...opts.saeIds]) {
    if (!ID_RE.test(id)) throw new ValidationError(`'${id}' cannot be a certificate subject: use letters, digits and . _ : @ -`);
  }
  const dupes = opts.saeIds.filter((s, i) => opts.saeIds.indexOf(s) !== i);
  if (dupes.length > 0) throw new ValidationError(`duplicate SAE ids: ${dupes.join(', ')}`);
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  await chmod(opts.dir, 0o700);
  const pki: Etsi014Pki = { dir: opts.dir, caCert: join(opts.dir, 'ca.crt'), kmes: {}, saes: {} };
  const caKey = join(opts.dir, 'ca.key');
  // 1. The CA (self-signed).
  await run(['req', '-x509', ...EC_KEY, '-keyout', caKey, '-out', pki.caCert, '-days', days, '-sha256',
    '-subj', '/O=qnfv/CN=qnfv ETSI 014 CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await chmod(caKey, 0o600);
  // 2. One server certificate per KME, 3. one client certificate per SAE.
  const san = hosts.map((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? `IP:${h}` : `DNS:${h}`)).join(',');
  for (const id of opts.kmeIds) {
    pki.kmes[id] = await issue(run, opts.dir, `kme-${id}`, `/O=qnfv/OU=KME/CN=${id}`, [
      `subjectAltName=${san}`, 'extendedKeyUsage=serverAuth', 'keyUsage=critical,digitalSignature', 'basicConstraints=CA:FALSE',
    ], pki.caCert, caKey, days);
  }
  for (const id of opts.saeIds) {
    pki.saes[id] = await issue(run, opts.dir, `sae-${id}`, `/O=qnfv/OU=SAE/CN=${id}`, [
      `subjectAltName=URI:urn:qnfv:sae:${id}`, 'extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature', 'basicConstraints=CA:FALSE',
    ], pki.caCert, caKey, days);
  }
  await writeFile(join(opts.dir, 'pki.json'), JSON.stringify(pki, null, 2), { mode: 0o600 });
  return pki;
}

/** Key + CSR, then the CA signs it with the given X.509v3 extensions. */
async function issue(run: OpensslRunner, dir: string, base: string, subject: string, extensions: string[], caCert: string, caKey: string, days: string): Promise<CertKeyPaths> {
  const key = join(dir, `${base}.key`);
  const csr = join(dir, `${base}.csr`);
  const cert = join(dir, `${base}.crt`);
  const ext = join(dir, `${base}.ext`);
  await run(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', subject]);
  await chmod(key, 0o600);
  await writeFile(ext, extensions.join('\n') + '\n', { mode: 0o600 });
  try {
    await run(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', days, '-sha256', '-extfile', ext, '-out', cert]);
  } finally {
    await rm(csr, { force: true });
    await rm(ext, { force: true });
  }
  return { cert, key };
}

/** Load an existing PKI written by `createEtsi014Pki` (its `pki.json`). */
export async function loadEtsi014Pki(dir: string): Promise<Etsi014Pki> {
  return JSON.parse(await readFile(join(dir, 'pki.json'), 'utf8')) as Etsi014Pki;
}

/** TLS material of SAE `saeId` (client certificate, key, CA) as PEM strings. */
export function etsi014ClientTls(pki: Etsi014Pki, saeId: string): Etsi014ClientTls {
  const p = pki.saes[saeId];
  if (!p) throw new ValidationError(`the PKI in ${pki.dir} has no certificate for SAE '${saeId}'`);
  return { cert: readFileSync(p.cert, 'utf8'), key: readFileSync(p.key, 'utf8'), ca: readFileSync(pki.caCert, 'utf8') };
}

/** TLS material of KME `kmeId` (server certificate, key, CA) as PEM strings. */
export function etsi014ServerTls(pki: Etsi014Pki, kmeId: string): Etsi014ServerTls {
  const p = pki.kmes[kmeId];
  if (!p) throw new ValidationError(`the PKI in ${pki.dir} has no certificate for KME '${kmeId}'`);
  return { cert: readFileSync(p.cert, 'utf8'), key: readFileSync(p.key, 'utf8'), ca: readFileSync(pki.caCert, 'utf8') };
}
