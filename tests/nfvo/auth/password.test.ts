/**
 * scrypt password hashes (nfvo/auth/password.ts): the RFC 7914 §12 test
 * vector through Node's scrypt as we call it, salt per hash, verification,
 * and malformed records refused without an exception.
 */
import { scryptSync } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../../nfvo/auth/index.js';

describe('password hashing', () => {
  it('scrypt as called here matches RFC 7914 §12 (password, NaCl, N=1024, r=8, p=16)', () => {
    const out = scryptSync('password', 'NaCl', 64, { N: 1024, r: 8, p: 16 });
    expect(out.toString('hex')).toBe(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    );
  });

  it('the stored record verifies with the right password only, and a stored RFC 7914 record verifies', async () => {
    const h = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(h).not.toContain('correct horse');
    await expect(verifyPassword('correct horse', h)).resolves.toBe(true);
    await expect(verifyPassword('correct horsE', h)).resolves.toBe(false);
    const vector = `scrypt$1024$8$16$${Buffer.from('NaCl').toString('base64')}$${Buffer.from(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
      'hex',
    ).toString('base64')}`;
    await expect(verifyPassword('password', vector)).resolves.toBe(true);
  });

  it('two hashes of one password differ (random salt)', async () => {
    const cost = { N: 1024, r: 8, p: 1 };
    expect(await hashPassword('same', cost)).not.toBe(await hashPassword('same', cost));
  });

  it('malformed records are false, not errors', async () => {
    for (const bad of ['', 'plain', 'scrypt$x$8$1$AA==$AA==', 'bcrypt$1$2$3$4$5', 'scrypt$1024$8$1$$']) {
      await expect(verifyPassword('x', bad)).resolves.toBe(false);
    }
  });
});
