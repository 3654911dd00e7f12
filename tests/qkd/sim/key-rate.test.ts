/**
 * The measured secret key rate of the simulator against the asymptotic
 * decoy-state (GLLP) rate of PROTOCOL-NOTES.md §3 for the same parameters
 * (CONTRACTS.md: ≥ 3 distances, within ±25 %): Gobby–Yuan–Shields fibre
 * hardware, the formula's f set to the reconciliation efficiency the block
 * actually achieved, and the formula (which counts signal pulses only) scaled
 * by the signal probability p_μ. The measured rate is the output of privacy
 * amplification divided by every pulse sent; it pays for what a finite block
 * pays and the formula does not: the disclosed sample (5 %), two decoys instead
 * of infinitely many, frame errors, a last partial frame, ε. The figures with
 * GYS's f = 1.22 are printed beside.
 */
import { Bb84Simulator, GYS } from '../../../qkd/sim/index.js';

const SEED = 'a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0';

describe('measured key rate vs the asymptotic decoy-state rate', () => {
  const rows: string[] = [];
  afterAll(() => {
    // The figures behind the assertions, for the record.
    console.log(['L/km  QBER(EC)  f      FER   measured/pulse  GLLP(f)·p_μ   ratio   GLLP(1.22)·p_μ  ratio', ...rows].join('\n'));
  });

  it.each([10, 50, 100])('at %i km the measured rate is within ±25 %% of the formula', (km) => {
    const sim = new Bb84Simulator({ channel: { kind: 'fibre', lengthKm: km }, siftedBitsPerBlock: 260_000, seed: SEED }, 256);
    const { report } = sim.runBlock();
    expect(report.aborted).toBeUndefined();
    const rec = report.reconciliation!;
    const measured = report.secretBits / report.pulses;
    const pSignal = sim.hardware.source.probabilities[0];
    const formula = sim.asymptoticRate(rec.efficiency).rate * pSignal;
    const gys = sim.asymptoticRate(GYS.reconciliationEfficiency).rate * pSignal;
    rows.push(
      [String(km).padEnd(5), (rec.qber * 100).toFixed(2).padEnd(9), rec.efficiency.toFixed(3).padEnd(6), rec.fer.toFixed(2).padEnd(5),
        measured.toExponential(3).padEnd(15), formula.toExponential(3).padEnd(13), (measured / formula).toFixed(3).padEnd(7),
        gys.toExponential(3).padEnd(15), (measured / gys).toFixed(3)].join(' '),
    );
    expect(rec.efficiency).toBeGreaterThan(1);
    expect(measured / formula).toBeGreaterThan(0.75);
    expect(measured / formula).toBeLessThan(1.25);
  });
});
