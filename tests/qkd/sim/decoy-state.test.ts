/**
 * Decoy-state theory (`qkd/sim/decoy-state.ts`): the asymptotic GLLP rate against
 * the anchors of PROTOCOL-NOTES.md §3 (Gobby–Yuan–Shields parameters), and the
 * vacuum + weak decoy bounds of Ma–Qi–Zhao–Lo on noise-free gains.
 */
import { GYS, asymptoticKeyRate, decoyBounds, type BlockEstimates } from '../../../qkd/sim/index.js';

function gys(lengthKm: number): ReturnType<typeof asymptoticKeyRate> {
  return asymptoticKeyRate({
    transmittance: GYS.bobEfficiency * Math.pow(10, (-GYS.attenuationDbPerKm * lengthKm) / 10),
    vacuumYield: GYS.vacuumYield,
    misalignment: GYS.misalignment,
    signalIntensity: GYS.signalIntensity,
    reconciliationEfficiency: GYS.reconciliationEfficiency,
  });
}

describe('asymptotic GLLP rate', () => {
  // PROTOCOL-NOTES.md §3 table: L (km) → QBER, R per pulse (two significant digits).
  it.each([
    [0, 0.033, 2.6e-3],
    [25, 0.0331, 7.5e-4],
    [50, 0.0334, 2.2e-4],
    [100, 0.0376, 1.7e-5],
    [140, 0.063, 2.5e-7],
  ])('at %i km: QBER %f, R %f', (km, qber, rate) => {
    const r = gys(km);
    expect(r.qber).toBeCloseTo(qber, 3);
    expect(Math.abs(r.rate - rate) / rate).toBeLessThan(0.05);
  });

  it('is zero beyond the cut-off distance', () => {
    expect(gys(200).rate).toBe(0);
  });
});

describe('vacuum + weak decoy bounds', () => {
  it('bound Y_1 from below and e_1 from above, tightly, on exact gains', () => {
    const mu = GYS.signalIntensity;
    const nu = GYS.decoyIntensity;
    const eta = GYS.bobEfficiency * Math.pow(10, (-GYS.attenuationDbPerKm * 50) / 10);
    const y0 = GYS.vacuumYield;
    const gain = (x: number): number => y0 + 1 - Math.exp(-eta * x);
    const err = (x: number): number => (0.5 * y0 + GYS.misalignment * (1 - Math.exp(-eta * x))) / gain(x);
    const N = 1e12;
    const est: BlockEstimates = {
      pulses: [N, N, N],
      gains: [gain(mu), gain(nu), y0],
      errorRates: [err(mu), err(nu), 0.5],
      sifted: [0, 0, 0],
      sampleSize: 0,
      sampleErrors: 0,
    };
    const b = decoyBounds(est, mu, nu);
    const y1 = y0 + eta;
    const e1 = (0.5 * y0 + GYS.misalignment * eta) / y1;
    expect(b.y1Lower).toBeLessThanOrEqual(y1);
    expect(b.y1Lower / y1).toBeGreaterThan(0.95);
    expect(b.e1Upper).toBeGreaterThanOrEqual(e1 * 0.999);
    // With ν = 0.1 the two-decoy bound on e_1 is ~14 % above the true value (Ma et al. 2005 Fig. 2).
    expect(b.e1Upper / e1).toBeLessThan(1.2);
    // Statistical fluctuations only make the bounds more conservative.
    const loose = decoyBounds({ ...est, pulses: [1e8, 1e7, 1e7] }, mu, nu, 3);
    expect(loose.y1Lower).toBeLessThan(b.y1Lower);
    expect(loose.e1Upper).toBeGreaterThan(b.e1Upper);
  });
});
