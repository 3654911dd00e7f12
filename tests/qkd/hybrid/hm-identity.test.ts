/** HM identities on disk (0600 seed, 0644 verification key) and how a peer pins them. */
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateHmIdentity,
  hmIdentityFromSecretKey,
  loadOrCreateHmIdentity,
  parsePeerUrl,
  pinnedUrl,
  pinOfKey,
  readHmIdentity,
  readHmVerificationKey,
  verificationKeyFingerprint,
} from '../../../qkd/index.js';
import { hex } from './fixtures.js';

describe('HM identity files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qnfv-hm-id-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('creates the seed file 0600 and the .pub 0644, then loads the same identity', async () => {
    const path = join(dir, 'hm-a.ml-dsa-65');
    const created = await loadOrCreateHmIdentity(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${path}.pub`)).mode & 0o777).toBe(0o644);
    const loaded = await loadOrCreateHmIdentity(path);
    expect(hex(loaded.publicKey)).toBe(hex(created.publicKey));
    expect(hex(loaded.secretKey)).toBe(hex(created.secretKey));
    expect(hex(await readHmVerificationKey(`${path}.pub`))).toBe(hex(created.publicKey));
    // The public file holds no secret: neither the seed nor the secret key.
    const pub = await readFile(`${path}.pub`, 'utf8');
    const seed = (JSON.parse(await readFile(path, 'utf8')) as { seed: string }).seed;
    expect(pub).not.toContain(seed);
    expect(JSON.parse(pub)).toMatchObject({ algorithm: 'ML-DSA-65', fingerprint: created.fingerprint });
  });

  it('refuses a seed file that group or others may read', async () => {
    const path = join(dir, 'hm-b.ml-dsa-65');
    await loadOrCreateHmIdentity(path);
    await chmod(path, 0o644);
    await expect(readHmIdentity(path)).rejects.toThrow(/mode 644.*chmod 600/);
    await expect(loadOrCreateHmIdentity(path)).rejects.toThrow(/mode 644/);
  });

  it('re-derives the public key from a secret key, and checks key lengths', () => {
    const id = generateHmIdentity();
    expect(hex(hmIdentityFromSecretKey(id.secretKey).publicKey)).toBe(hex(id.publicKey));
    expect(() => hmIdentityFromSecretKey(new Uint8Array(32))).toThrow(/4032 bytes/);
    expect(() => pinOfKey(new Uint8Array(32))).toThrow(/1952 bytes/);
    expect(() => generateHmIdentity(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});

describe('peer URL pins', () => {
  const id = generateHmIdentity();

  it('puts the SHA-256 of the verification key in the fragment, and reads it back', () => {
    const url = pinnedUrl('http://127.0.0.1:7100/', id.publicKey);
    expect(url).toBe(`http://127.0.0.1:7100/#ml-dsa-65=${verificationKeyFingerprint(id.publicKey)}`);
    expect(parsePeerUrl(url)).toEqual({ url: 'http://127.0.0.1:7100/', fingerprint: id.fingerprint });
    expect(parsePeerUrl('http://10.0.0.2:7100')).toEqual({ url: 'http://10.0.0.2:7100/' });
  });

  it.each([
    ['not a URL', /not a URL/],
    ['ftp://h/#ml-dsa-65=00', /http\(s\)/],
    ['http://h/#ml-dsa-65=ABCD', /64 lowercase hex/],
  ])('refuses %s', (url, msg) => {
    expect(() => parsePeerUrl(url)).toThrow(msg);
  });
});
