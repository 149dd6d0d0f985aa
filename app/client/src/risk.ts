/**
 * Risk contributions for display: `RC_i = h_i (Σh)_i / hᵀΣh` on the risk account's covariance
 * (as `rpv_core::risk_parity::risk_contributions`, in floating point), for a spot vault (with
 * option series the program measures on the position covariance: not reproduced here).
 */

/** Row stride of the packed upper triangle, from its length `n(n+1)/2`. */
export function packedStride(len: number): number {
  return (Math.sqrt(8 * len + 1) - 1) / 2;
}

/** Index of `(i, j)` in the packed upper triangle with row stride `stride`. */
export function packedIndex(stride: number, i: number, j: number): number {
  const [a, b] = i <= j ? [i, j] : [j, i];
  return a * stride - (a * (a + 1)) / 2 + b;
}

/** The `n × n` covariance from its packed upper triangle (values already converted). */
export function unpack(packed: number[], n: number): number[][] {
  const stride = packedStride(packed.length);
  if (!Number.isInteger(stride)) throw new Error(`not a packed triangle: ${packed.length} entries`);
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => packed[packedIndex(stride, i, j)]));
}

/** Each weight's share of `wᵀΣw`; null when the total is not positive. */
export function riskContributions(cov: number[][], w: number[]): number[] | null {
  const cw = cov.map((row) => row.reduce((s, c, j) => s + c * w[j], 0));
  const total = w.reduce((s, x, i) => s + x * cw[i], 0);
  if (!(total > 0)) return null;
  return w.map((x, i) => (x * cw[i]) / total);
}

/** `sqrt(wᵀΣw)`: the volatility of weights `w` (annualised when Σ is). */
export function volatility(cov: number[][], w: number[]): number {
  const cw = cov.map((row) => row.reduce((s, c, j) => s + c * w[j], 0));
  return Math.sqrt(Math.max(0, w.reduce((s, x, i) => s + x * cw[i], 0)));
}
