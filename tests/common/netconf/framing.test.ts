import { FrameDecoder, encodeChunked, encodeEom, MAX_CHUNK_SIZE } from '../../../common/netconf/index.js';

/** A deterministic PRNG so that a failing split is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Split a buffer at random points (some pieces one byte, some empty). */
function randomSplit(buf: Buffer, rnd: () => number): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    const n = rnd() < 0.3 ? 1 : Math.floor(rnd() * 40);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

function decodeAll(dec: FrameDecoder, pieces: Buffer[]): string[] {
  const out: string[] = [];
  for (const p of pieces) {
    dec.push(p);
    for (let m = dec.next(); m !== undefined; m = dec.next()) out.push(m.toString('utf8'));
  }
  return out;
}

const messages = [
  '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>',
  '<rpc message-id="1"><get/></rpc>',
  '<x>]]&gt;]]&gt; and ]]&gt; almost-markers ] ]] ]]></x>'.replace(']]></x>', '</x>'),
  '<rpc message-id="2"><name>clé ✓ 🔑 — multi-byte UTF-8</name></rpc>',
  '\n#5\n looks like a chunk header inside data \n##\n',
  'a'.repeat(5000),
  // Ends in the first five bytes of the marker: the real marker follows directly.
  'tail ]]>]]',
];

describe('RFC 6242 framing decoder', () => {
  it('decodes end-of-message framing split at random points, several messages per read', () => {
    const wire = Buffer.concat(messages.map((m) => encodeEom(m)));
    for (let seed = 1; seed <= 200; seed++) {
      expect(decodeAll(new FrameDecoder(), randomSplit(wire, prng(seed)))).toEqual(messages);
    }
    // All in one read.
    expect(decodeAll(new FrameDecoder(), [wire])).toEqual(messages);
  });

  it('decodes chunked framing split at random points, with small and large chunks', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = prng(seed);
      const wire = Buffer.concat(messages.map((m) => encodeChunked(m, 1 + Math.floor(rnd() * 9))));
      const dec = new FrameDecoder();
      dec.setMode('chunked');
      expect(decodeAll(dec, randomSplit(wire, rnd))).toEqual(messages);
    }
  });

  it('switches from EOM to chunked between two messages that arrived in one read', () => {
    const wire = Buffer.concat([encodeEom(messages[0]!), encodeChunked(messages[1]!, 3), encodeChunked(messages[3]!)]);
    for (let seed = 1; seed <= 50; seed++) {
      const dec = new FrameDecoder();
      const out: string[] = [];
      for (const p of randomSplit(wire, prng(seed))) {
        dec.push(p);
        for (let m = dec.next(); m !== undefined; m = dec.next()) {
          out.push(m.toString());
          if (out.length === 1) dec.setMode('chunked');
        }
      }
      expect(out).toEqual([messages[0], messages[1], messages[3]]);
    }
  });

  it('encodes chunks as the RFC shows', () => {
    expect(encodeChunked('<rpc/>', 4).toString()).toBe('\n#4\n<rpc\n#2\n/>\n##\n');
    expect(encodeEom('<rpc/>').toString()).toBe('<rpc/>]]>]]>');
    expect(() => encodeChunked('')).toThrow(/empty/);
    expect(() => encodeEom('a]]>]]>b')).toThrow(/must not contain/);
  });

  it('accepts the largest chunk-size header (4294967295) and waits for its data', () => {
    const dec = new FrameDecoder(Number.MAX_SAFE_INTEGER);
    dec.setMode('chunked');
    dec.push(Buffer.from(`\n#${MAX_CHUNK_SIZE}\nabc`));
    expect(dec.next()).toBeUndefined();
  });

  const bad: [string, RegExp][] = [
    ['\n#0\n', /digit 1-9/], // chunk-size 0
    ['\n#012\nabc', /digit 1-9/], // leading zero
    ['\n#4294967296\n', /exceeds 4294967295/],
    ['\n#99999999999\n', /exceeds/],
    ['\n#12a\n', /unexpected 'a' in chunk-size/],
    ['\n#\n', /digit 1-9/],
    ['\n##\n', /end-of-chunks before any chunk/],
    ['#3\nabc\n##\n', /expected LF/], // missing leading LF
    ['\n3\nabc\n##\n', /expected '#'/],
    ['\n#3\nabcX##\n', /expected LF at start of chunk header/], // data longer than announced
    ['\n#3\nabc\n##X', /expected LF after '##'/],
    ['\n#3 \nabc', /unexpected ' '/],
  ];
  it.each(bad)('rejects the malformed chunked input %j', (input, re) => {
    // Byte by byte and at once: the same error.
    for (const pieces of [[Buffer.from(input)], [...Buffer.from(input)].map((b) => Buffer.from([b]))]) {
      const dec = new FrameDecoder();
      dec.setMode('chunked');
      expect(() => decodeAll(dec, pieces)).toThrow(re);
      // The decoder stays failed.
      expect(() => dec.next()).toThrow(/failed earlier/);
    }
  });

  it('enforces the message size limit in both modes', () => {
    const eom = new FrameDecoder(100);
    eom.push(Buffer.alloc(200, 0x61));
    expect(() => eom.next()).toThrow(/exceeds 100 bytes/);
    const chunked = new FrameDecoder(100);
    chunked.setMode('chunked');
    chunked.push(Buffer.from('\n#60\n' + 'a'.repeat(60) + '\n#60\n'));
    expect(() => chunked.next()).toThrow(/exceeds 100 bytes/);
  });

  it('refuses to switch framing in the middle of a chunked message', () => {
    const dec = new FrameDecoder();
    dec.setMode('chunked');
    dec.push(Buffer.from('\n#3\nab'));
    expect(dec.next()).toBeUndefined();
    expect(() => dec.setMode('eom')).toThrow(/middle of a message/);
  });
});
