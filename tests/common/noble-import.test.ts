import { ml_kem512 } from '@noble/post-quantum/ml-kem.js';

it('loads @noble/post-quantum under jest ESM', () => {
  const { publicKey, secretKey } = ml_kem512.keygen();
  const { cipherText, sharedSecret } = ml_kem512.encapsulate(publicKey);
  expect(Buffer.from(ml_kem512.decapsulate(cipherText, secretKey))).toEqual(Buffer.from(sharedSecret));
});
