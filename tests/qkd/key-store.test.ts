import { ConflictError, NotFoundError } from '../../common/index.js';
import { CsprngLink, KeyStore, KeyStoreExhaustedError, KeyStoreFullError } from '../../qkd/index.js';

/** Two stores of one link, wired and filled by the CSPRNG stand-in. */
function linkedStores(capacity = 8, fill = 0): { a: KeyStore; b: KeyStore; link: CsprngLink } {
  const a = new KeyStore({ capacity, keySizeBits: 256, name: 'a' });
  const b = new KeyStore({ capacity, keySizeBits: 256, name: 'b' });
  const link = new CsprngLink({ stores: [a, b], keyRate: 0 });
  link.fill(fill);
  return { a, b, link };
}

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

describe('KeyStore', () => {
  it('holds the same keys in the same order under the same ids and indexes at both ends', () => {
    const { a, b } = linkedStores(8, 5);
    const fromA = a.takeNext(5, 'pair-1');
    expect(fromA.map((k) => k.index)).toEqual([0, 1, 2, 3, 4]);
    const fromB = b.takeById(
      fromA.map((k) => k.key_ID),
      'pair-1',
      { requirePeerDelivery: true },
    );
    expect(fromB.map((k) => k.key_ID)).toEqual(fromA.map((k) => k.key_ID));
    expect(fromB.map((k) => k.index)).toEqual([0, 1, 2, 3, 4]);
    expect(fromB.map((k) => hex(k.key))).toEqual(fromA.map((k) => hex(k.key)));
    expect(new Set(fromA.map((k) => hex(k.key))).size).toBe(5);
    expect(fromA.every((k) => k.key.length === 32)).toBe(true);
  });

  it('addresses keys by index at both ends', () => {
    const { a, b } = linkedStores(4, 3);
    const ka = a.takeByIndex(2, 'stream-x');
    const kb = b.takeByIndex(2, 'stream-x');
    expect(kb.key_ID).toBe(ka.key_ID);
    expect(hex(kb.key)).toBe(hex(ka.key));
    expect(() => a.takeByIndex(7, 'stream-x')).toThrow(KeyStoreExhaustedError);
  });

  it('delivers a key at most once per side and reserves it for the same consumer on the other side', () => {
    const { a, b } = linkedStores(8, 3);
    const [k] = a.takeNext(1, 'pair-1');
    expect(() => a.takeById([k.key_ID], 'pair-1')).toThrow(/already delivered at this node/);
    // The other side does not hand the reserved key to anybody else...
    const [other] = b.takeNext(1, 'pair-2');
    expect(other.key_ID).not.toBe(k.key_ID);
    expect(() => b.takeById([k.key_ID], 'pair-2')).toThrow(/bound to another consumer/);
    // ...and dec-style delivery needs the peer to have delivered first.
    expect(() => a.takeById([other.key_ID], 'pair-2', { requirePeerDelivery: false })).not.toThrow();
    const [third] = a.takeNext(1, 'pair-3');
    expect(() => b.takeById([third.key_ID, third.key_ID], 'pair-3')).toThrow(/duplicates/);
  });

  it('refuses dec-style delivery of keys the peer has not delivered', () => {
    const { a, b } = linkedStores(4, 2);
    const [k] = a.takeNext(1, 'p');
    const [fresh] = b.takeNext(1, 'q');
    expect(fresh.key_ID).not.toBe(k.key_ID);
    expect(() => a.takeById([fresh.key_ID], 'other', { requirePeerDelivery: true })).toThrow(ConflictError);
  });

  it('forgets (and zeroes) a key once both sides consumed it', () => {
    const { a, b } = linkedStores(4, 2);
    expect([a.size, b.size]).toEqual([2, 2]);
    const [k] = a.takeNext(1, 'p');
    expect(a.size).toBe(2); // tombstone until the peer consumes it
    expect(a.available).toBe(1);
    expect(b.available).toBe(1); // reserved for the pair on B
    // White-box: A's own copy was zeroed when it was handed out.
    const slots = (a as unknown as { byId: Map<string, { key: Uint8Array | null }> }).byId;
    expect(slots.get(k.key_ID)?.key).toBeNull();
    const bSlots = (b as unknown as { byId: Map<string, { key: Uint8Array | null }> }).byId;
    const bCopy = bSlots.get(k.key_ID)?.key as Uint8Array;
    b.takeById([k.key_ID], 'p', { requirePeerDelivery: true });
    expect(Array.from(bCopy).every((x) => x === 0)).toBe(true);
    expect([a.size, b.size]).toEqual([1, 1]);
    expect(() => b.takeById([k.key_ID], 'p')).toThrow(NotFoundError);
  });

  it('enforces its capacity and gives clear errors when exhausted', () => {
    const { a, b, link } = linkedStores(3, 10);
    expect([a.size, b.size]).toEqual([3, 3]);
    expect(link.fill(1)).toBe(0);
    expect(() => a.add('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0', new Uint8Array(32))).toThrow(KeyStoreFullError);
    expect(() => a.takeNext(4, 'p')).toThrow(/has 3 undelivered key\(s\), 4 requested/);
    const ks = a.takeNext(3, 'p');
    expect(() => a.takeNext(1, 'p')).toThrow(KeyStoreExhaustedError);
    // Consumed at A only: the tombstones still occupy the pool.
    expect(link.fill(1)).toBe(0);
    b.takeById(
      ks.map((k) => k.key_ID),
      'p',
      { requirePeerDelivery: true },
    );
    expect(link.fill(5)).toBe(3);
  });

  it('validates what it stores', () => {
    const s = new KeyStore({ capacity: 2, keySizeBits: 256 });
    expect(() => s.add('not-a-uuid', new Uint8Array(32))).toThrow(/UUID/);
    expect(() => s.add('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0', new Uint8Array(16))).toThrow(/256 bits/);
    expect(() => new KeyStore({ capacity: 0, keySizeBits: 256 })).toThrow(/capacity/);
  });
});
