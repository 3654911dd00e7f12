import { fromHex, fromYangHexString, toHex, toYangHexString, zeroize, ValidationError } from '../../common/index.js';

describe('hex helpers', () => {
  it('round-trips plain hex', () => {
    const b = new Uint8Array([0, 1, 0xab, 0xff]);
    expect(toHex(b)).toBe('0001abff');
    expect(Array.from(fromHex('0001ABff'))).toEqual([0, 1, 0xab, 0xff]);
  });
  it('round-trips RFC 6991 yang:hex-string', () => {
    const b = new Uint8Array([0x6d, 0x73, 0x54]);
    expect(toYangHexString(b)).toBe('6d:73:54');
    expect(Array.from(fromYangHexString('6d:73:54'))).toEqual([0x6d, 0x73, 0x54]);
  });
  it('rejects malformed input naming the field', () => {
    expect(() => fromHex('abc', 'key')).toThrow(/key is not an even-length hex string/);
    expect(() => fromYangHexString('6d-73', 'sad-entry/key')).toThrow(ValidationError);
  });
  it('zeroizes', () => {
    const b = new Uint8Array([1, 2, 3]);
    zeroize(b, undefined);
    expect(Array.from(b)).toEqual([0, 0, 0]);
  });
});
