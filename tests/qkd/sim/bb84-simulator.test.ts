/**
 * The BB84 simulator end to end (`qkd/sim/bb84-simulator.ts`): both ends' keys
 * identical, deterministic with a seed, no key above the QBER threshold, and the
 * stages' bookkeeping (sifting ≈ ½, sample disclosed, leakage counted).
 */
import { Bb84Simulator, type Bb84SimulatorOptions, type BlockReport, type KeyBatch } from '../../../qkd/sim/index.js';

const SEED = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const small: Bb84SimulatorOptions = { channel: { kind: 'fibre', lengthKm: 25 }, siftedBitsPerBlock: 120_000, seed: SEED };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('Bb84Simulator', () => {
  let block: { report: BlockReport; keys: KeyBatch };
  beforeAll(() => {
    block = new Bb84Simulator(small, 256).runBlock();
  });

  it("gives both ends identical keys under identical key_IDs, from each end's own bits", () => {
    const { report, keys } = block;
    expect(report.aborted).toBeUndefined();
    expect(report.keys).toBeGreaterThan(10);
    expect(keys.keyIds).toHaveLength(report.keys);
    expect(new Set(keys.keyIds).size).toBe(keys.keyIds.length);
    for (const id of keys.keyIds) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys.alice.length).toBe(report.keys * 32);
    expect(hex(keys.alice)).toBe(hex(keys.bob));
    // Not a constant: about half the bits are ones.
    let ones = 0;
    for (const byte of keys.alice) for (let b = 0; b < 8; b++) ones += (byte >> b) & 1;
    expect(ones / (keys.alice.length * 8)).toBeGreaterThan(0.45);
    expect(ones / (keys.alice.length * 8)).toBeLessThan(0.55);
  });

  it('accounts for every stage: sifting keeps about half, the sample is disclosed, leakage is charged', () => {
    const { report } = block;
    const est = report.estimates;
    const detections = report.detections;
    const sifted = est.sifted[0] + est.sifted[1] + est.sifted[2];
    expect(sifted / detections).toBeGreaterThan(0.48);
    expect(sifted / detections).toBeLessThan(0.52);
    expect(est.sampleSize).toBe(Math.round(est.sifted[0] * 0.05));
    // Sampled QBER near the model's 3.3 % at 25 km.
    expect(est.errorRates[0]).toBeGreaterThan(0.02);
    expect(est.errorRates[0]).toBeLessThan(0.05);
    const rec = report.reconciliation!;
    expect(rec.frames).toBeGreaterThan(0);
    expect(rec.leakEc).toBeGreaterThan(0);
    expect(rec.leakVerify).toBe(64 * (rec.frames - rec.decodingFailures - rec.verificationFailures));
    const pa = report.pa!;
    // PA output: what the block measured allows, below the reconciled length minus all leakage.
    expect(report.secretBits).toBe(pa.length);
    expect(pa.length).toBeLessThan(rec.keptBits - rec.leakEc - rec.leakVerify);
    expect(pa.length).toBe(Math.floor(pa.singlePhotonBits * (1 - pa.phaseErrorEntropy) - rec.leakEc - rec.leakVerify - pa.securityBits));
  });

  it('is deterministic with a seed, and a different seed gives different keys', () => {
    const run = (seed: string): { ids: string[]; key: string } => {
      const { keys } = new Bb84Simulator({ ...small, siftedBitsPerBlock: 40_000, seed }, 128).runBlock();
      return { ids: keys.keyIds, key: hex(keys.alice) };
    };
    const a = run(SEED);
    const b = run(SEED);
    const c = run(SEED.replace(/^00/, 'ff'));
    expect(a.key.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(c.key).not.toBe(a.key);
    expect(c.ids[0]).not.toBe(a.ids[0]);
  });

  it('produces no key when the QBER is above the abort threshold', () => {
    // e_d = 15 %: QBER ≈ 15 % > 11 %.
    const sim = new Bb84Simulator({ ...small, siftedBitsPerBlock: 40_000, channel: { kind: 'fibre', lengthKm: 25, misalignment: 0.15 } }, 256);
    const { report, keys } = sim.runBlock();
    expect(report.estimates.errorRates[0]).toBeGreaterThan(0.11);
    expect(report.aborted).toMatch(/above the threshold/);
    expect(report.secretBits).toBe(0);
    expect(keys.keyIds).toHaveLength(0);
    expect(report.reconciliation).toBeUndefined();
  });

  it('with the threshold raised it reconciles, and privacy amplification still leaves nothing', () => {
    const sim = new Bb84Simulator({ ...small, siftedBitsPerBlock: 40_000, channel: { kind: 'fibre', lengthKm: 25, misalignment: 0.15 }, qberAbortThreshold: 0.2 }, 256);
    const { report } = sim.runBlock();
    expect(report.reconciliation).toBeDefined();
    expect(report.secretBits).toBe(0);
    expect(report.aborted).toMatch(/no secret bits/);
  });

  it('models free-space links by total loss and background counts', () => {
    const sim = new Bb84Simulator({ ...small, siftedBitsPerBlock: 60_000, channel: { kind: 'free-space', lossDb: 15, misalignment: 0.02, backgroundCountProbability: 5e-6 } }, 256);
    expect(sim.hardware.channel.transmittance).toBeCloseTo(10 ** -1.5, 6);
    const { report } = sim.runBlock();
    // Background clicks raise the vacuum gain (≈ 2·(5e-6 + 8.5e-7)) above the detectors' dark counts alone (1.7e-6).
    expect(report.estimates.gains[2]).toBeGreaterThan(6e-6);
    expect(report.secretBits).toBeGreaterThan(0);
  });

  it('validates its parameters', () => {
    expect(() => new Bb84Simulator({ source: { decoyIntensity: 0.6 } }, 256)).toThrow(/decoyIntensity/);
    expect(() => new Bb84Simulator({ channel: { kind: 'fibre', lengthKm: -1 } }, 256)).toThrow(/lengthKm/);
    expect(() => new Bb84Simulator({ seed: 'abcd' }, 256)).toThrow(/seed/);
    expect(() => new Bb84Simulator({}, 100)).toThrow(/keySizeBits/);
  });
});
