/**
 * A minimal WebAssembly binary encoder (WebAssembly Core Specification 2.0,
 * §5 "Binary format", with the 128-bit SIMD instructions of §5.4.8), enough to
 * emit one module with an imported memory and exported functions from
 * TypeScript, so the project builds its SIMD kernels without a toolchain.
 * Only the instructions the kernels use are named here.
 */
import { ValidationError } from '../../common/index.js';

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128 (§5.2.2). */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new ValidationError(`uleb128 needs a non-negative integer, got ${n}`);
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (§5.2.2). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const SIMD = 0xfd;

/** Builds one function body, instruction by instruction. */
export class FunctionBody {
  readonly bytes: number[] = [];
  private readonly locals: number[] = [];
  constructor(readonly params: readonly number[], readonly results: readonly number[]) {}

  /** Declare a local of `type`; returns its index (after the parameters). */
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }
  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  private simd(code: number): this {
    return this.op(SIMD, ...uleb(code));
  }
  // Control (§5.4.1); block type 0x40 = no result.
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)); }
  // Variables (§5.4.4).
  get(i: number): this { return this.op(0x20, ...uleb(i)); }
  set(i: number): this { return this.op(0x21, ...uleb(i)); }
  tee(i: number): this { return this.op(0x22, ...uleb(i)); }
  // Memory (§5.4.6): alignment as log2 bytes, then offset.
  i32Load(offset = 0): this { return this.op(0x28, 2, ...uleb(offset)); }
  i32Store(offset = 0): this { return this.op(0x36, 2, ...uleb(offset)); }
  // Numeric (§5.4.7).
  i32Const(v: number): this { return this.op(0x41, ...sleb(v)); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32Shl(): this { return this.op(0x74); }
  i32ShrU(): this { return this.op(0x76); }
  i32LtU(): this { return this.op(0x49); }
  i32LtS(): this { return this.op(0x48); }
  i32Eqz(): this { return this.op(0x45); }
  // Vector (§5.4.8): opcodes after the 0xFD prefix.
  v128Load(offset = 0): this { return this.simd(0x00).op(4, ...uleb(offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b).op(4, ...uleb(offset)); }
  i8x16Splat(): this { return this.simd(0x0f); }
  i16x8Splat(): this { return this.simd(0x10); }
  i8x16Eq(): this { return this.simd(0x23); }
  i8x16LtS(): this { return this.simd(0x25); }
  i8x16LtU(): this { return this.simd(0x26); }
  i16x8Eq(): this { return this.simd(0x2d); }
  i16x8LtS(): this { return this.simd(0x2f); }
  v128And(): this { return this.simd(0x4e); }
  v128Or(): this { return this.simd(0x50); }
  v128Xor(): this { return this.simd(0x51); }
  /** bitselect(a, b, c) = (a & c) | (b & ~c). */
  v128Bitselect(): this { return this.simd(0x52); }
  i8x16Abs(): this { return this.simd(0x60); }
  /** Narrow two i16x8 to one i8x16 with signed saturation (first operand → lanes 0–7). */
  i8x16NarrowI16x8S(): this { return this.simd(0x65); }
  i8x16ShrS(): this { return this.simd(0x6c); }
  i8x16Add(): this { return this.simd(0x6e); }
  i8x16AddSatS(): this { return this.simd(0x6f); }
  i8x16Sub(): this { return this.simd(0x71); }
  i8x16SubSatS(): this { return this.simd(0x72); }
  i8x16MinS(): this { return this.simd(0x76); }
  i8x16MinU(): this { return this.simd(0x77); }
  i8x16MaxS(): this { return this.simd(0x78); }
  i16x8Abs(): this { return this.simd(0x80); }
  i16x8Q15MulrSatS(): this { return this.simd(0x82); }
  /** Sign-extend lanes 0–7 (low) or 8–15 (high) of an i8x16 to an i16x8. */
  i16x8ExtendLowI8x16S(): this { return this.simd(0x87); }
  i16x8ExtendHighI8x16S(): this { return this.simd(0x88); }
  i16x8ExtendLowI8x16U(): this { return this.simd(0x89); }
  i16x8ExtendHighI8x16U(): this { return this.simd(0x8a); }
  i16x8ShrS(): this { return this.simd(0x8c); }
  i16x8Add(): this { return this.simd(0x8e); }
  i16x8AddSatS(): this { return this.simd(0x8f); }
  i16x8Sub(): this { return this.simd(0x91); }
  i16x8SubSatS(): this { return this.simd(0x92); }
  i16x8MinS(): this { return this.simd(0x96); }
  i16x8MaxS(): this { return this.simd(0x98); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Sub(): this { return this.simd(0xf1); }
  f64x2Mul(): this { return this.simd(0xf2); }

  /** The encoded function body (locals + expression), §5.5.13. */
  encode(): number[] {
    const groups: number[] = [];
    let count = 0;
    for (let i = 0; i < this.locals.length; i++) {
      count++;
      if (i === this.locals.length - 1 || this.locals[i + 1] !== this.locals[i]) {
        groups.push(...uleb(count), this.locals[i]);
        count = 0;
      }
    }
    const distinct = this.locals.length === 0 ? 0 : this.locals.filter((t, i) => i === 0 || t !== this.locals[i - 1]).length;
    const body = [...uleb(distinct), ...groups, ...this.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A module importing memory `env.memory` and exporting the given functions (§5.5). */
export function encodeModule(functions: readonly { name: string; body: FunctionBody }[]): Uint8Array<ArrayBuffer> {
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const name = (s: string): number[] => {
    const b = [...Buffer.from(s, 'utf8')];
    return [...uleb(b.length), ...b];
  };
  const types = functions.map((f) => [0x60, ...uleb(f.body.params.length), ...f.body.params, ...uleb(f.body.results.length), ...f.body.results]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    // import "env" "memory" (memory, limits min 1)
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map((f) => f.body.encode()))),
  ];
  return new Uint8Array(bytes);
}
