// Generates combiners.json: qnfv's own combiner vectors, computed from the layout documented in
// qkd/hybrid/{combiners,hybrid-context,auxiliary-key,ml-kem-peer-source}.ts with node:crypto only
// (no code shared with the module under test, nor with @noble/hashes). Run: node generate.mjs
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { URL } from 'node:url';

const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const lp = (parts) => Buffer.concat(parts.flatMap((p) => [u32(p.length), Buffer.from(p)]));
const utf8 = (s) => Buffer.from(s, 'utf8');
const sha256 = (b) => createHash('sha256').update(b).digest();
const fill = (n, f) => Buffer.from(Array.from({ length: n }, (_, i) => (f(i)) & 0xff));
const hex = (b) => Buffer.from(b).toString('hex');

const KSID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const uri = (node, c, s, p) => `hybrid://SPI_1@${node}?hybridization=${c}&key_sources=${s}${p ? `&single_source_policy=${p}` : ''}`;
const ORDER = ['QKD', 'ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'X25519', 'AUX'];

// Secrets and public transcripts: fixed patterns, not real keys.
const qkd = fill(32, (i) => i);
const kem512 = fill(32, (i) => 0xa0 + i);
const kem768 = fill(32, (i) => 0x40 + 3 * i);
const x25519 = fill(32, (i) => 0xff - i);
const ek512 = fill(800, (i) => i * 7);
const ct512 = fill(768, (i) => i * 11 + 1);
const ek768 = fill(1184, (i) => i * 13);
const ct768 = fill(1088, (i) => i * 17 + 2);
const xA = fill(32, (i) => 0x10 + i);
const xB = fill(32, (i) => 0x90 + i);
const QKD_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0';

const transcript = (name, a, b) => sha256(lp([utf8(name), a, b]));
const context = ({ ksid, index, source, destination, bindings }) => {
  const ordered = [...bindings].sort((x, y) => ORDER.indexOf(x.source) - ORDER.indexOf(y.source));
  return lp([utf8(ksid), u32(index), utf8(source), utf8(destination),
    ...ordered.map((b) => lp([utf8(b.source), utf8(b.status), lp(b.keyIds.map(utf8)), b.hash]))]);
};
const kdf = (secrets, ctx, length) => Buffer.from(hkdfSync('sha256', lp(secrets), Buffer.alloc(0), lp([utf8('qnfv hybrid v2'), ctx]), length));
const aux = ({ ksid, index, source, destination }) => sha256(lp([utf8('qnfv hybrid aux v1'), utf8(ksid), u32(index), utf8(source), utf8(destination)]));

const cases = [];
function add(name, c) {
  const fields = { ksid: KSID, index: c.index, source: c.source, destination: c.destination };
  const bindings = c.inputs.map((i) => ({ source: i.source, status: i.source === 'AUX' ? 'aux' : 'ok', keyIds: i.keyIds ?? [], hash: i.transcript ? transcript(i.source, i.transcript[0], i.transcript[1]) : Buffer.alloc(0) }));
  const ordered = [...c.inputs].sort((x, y) => ORDER.indexOf(x.source) - ORDER.indexOf(y.source));
  const ctx = context({ ...fields, bindings });
  let out;
  if (c.combiner === 'kdf') out = kdf(ordered.map((i) => i.secret), ctx, c.length);
  else if (c.combiner === 'hmac') out = createHmac('sha256', ordered[0].secret).update(ordered[1].secret).digest().subarray(0, c.length);
  else out = Buffer.from(ordered[0].secret.map((v, k) => v ^ ordered[1].secret[k])).subarray(0, c.length);
  cases.push({
    name, combiner: c.combiner, length: c.length, ...fields,
    inputs: c.inputs.map((i) => ({ source: i.source, secret: hex(i.secret), key_ids: i.keyIds ?? [], ...(i.transcript ? { transcript_a: hex(i.transcript[0]), transcript_b: hex(i.transcript[1]) } : {}) })),
    context: hex(ctx), key: hex(out),
  });
}

const S1 = uri(A, 'kdf', 'ML-KEM-512,QKD');
const D1 = uri(B, 'kdf', 'ML-KEM-512,QKD');
const qkdIn = { source: 'QKD', secret: qkd, keyIds: [QKD_ID] };
const k512In = { source: 'ML-KEM-512', secret: kem512, transcript: [ek512, ct512] };
add('kdf QKD + ML-KEM-512, 32 bytes', { combiner: 'kdf', length: 32, index: 0, source: S1, destination: D1, inputs: [k512In, qkdIn] });
add('kdf QKD + ML-KEM-512, 64 bytes, index 7', { combiner: 'kdf', length: 64, index: 7, source: S1, destination: D1, inputs: [qkdIn, k512In] });
const S3 = uri(A, 'kdf', 'QKD,ML-KEM-768,X25519');
const D3 = uri(B, 'kdf', 'QKD,ML-KEM-768,X25519');
add('kdf QKD + ML-KEM-768 + X25519, 32 bytes', { combiner: 'kdf', length: 32, index: 1, source: S3, destination: D3, inputs: [{ source: 'X25519', secret: x25519, transcript: [xA, xB] }, { source: 'ML-KEM-768', secret: kem768, transcript: [ek768, ct768] }, qkdIn] });
const SD = uri(A, 'kdf', 'ML-KEM-512,QKD', 'allow-degraded');
const DD = uri(B, 'kdf', 'ML-KEM-512,QKD', 'allow-degraded');
const auxKey = aux({ ksid: KSID, index: 2, source: SD, destination: DD });
add('kdf degraded: ML-KEM-512 + AUX (QKD unavailable), 32 bytes', { combiner: 'kdf', length: 32, index: 2, source: SD, destination: DD, inputs: [k512In, { source: 'AUX', secret: auxKey }] });
const SH = uri(A, 'hmac', 'ML-KEM-512,QKD');
const DH = uri(B, 'hmac', 'ML-KEM-512,QKD');
add('hmac QKD (key) over ML-KEM-512, 32 bytes', { combiner: 'hmac', length: 32, index: 0, source: SH, destination: DH, inputs: [k512In, qkdIn] });
add('hmac truncated to 20 bytes', { combiner: 'hmac', length: 20, index: 0, source: SH, destination: DH, inputs: [qkdIn, k512In] });
const SX = uri(A, 'xor', 'ML-KEM-512,QKD');
const DX = uri(B, 'xor', 'ML-KEM-512,QKD');
add('xor QKD ^ ML-KEM-512, 32 bytes', { combiner: 'xor', length: 32, index: 0, source: SX, destination: DX, inputs: [qkdIn, k512In] });

writeFileSync(new URL('./combiners.json', import.meta.url), JSON.stringify({
  source: 'qnfv (no external spec): the combiner layout of qkd/hybrid/combiners.ts (kdf = RFC 5869 HKDF-SHA-256, label "qnfv hybrid v2"; hmac = RFC 2104 HMAC-SHA-256; xor = NIST SP 800-133r2 §6.3), the context of hybrid-context.ts, the auxiliary key of auxiliary-key.ts and the transcript hash of ml-kem-peer-source.ts',
  produced: 'tests/vectors/qnfv-hybrid/generate.mjs, an independent re-implementation of the documented layout on node:crypto only (secrets and transcripts are fixed byte patterns, not real keys)',
  aux_key: { ksid: KSID, index: 2, source: SD, destination: DD, key: hex(auxKey) },
  cases,
}, null, 2) + '\n');
console.log(`${cases.length} cases written`);
