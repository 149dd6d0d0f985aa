/** Amounts between the page's text fields and the program's integer units. */

/** `units` of a token with `decimals` as a decimal string (no trailing zeros, thousands grouped). */
export function formatUnits(units: bigint, decimals: number, maxDecimals = decimals): string {
  const neg = units < 0n;
  const a = neg ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const whole = (a / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  let frac = (a % scale).toString().padStart(decimals, '0').slice(0, maxDecimals).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** A decimal string typed by a user as integer units of a token with `decimals`. */
export function parseUnits(text: string, decimals: number): bigint {
  const t = text.trim().replace(/,/g, '');
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!t || !m || (m[1] === '' && (m[2] ?? '') === '')) throw new Error(`not an amount: "${text}"`);
  const frac = m[2] ?? '';
  if (frac.length > decimals) throw new Error(`at most ${decimals} decimals: "${text}"`);
  return BigInt(m[1] || '0') * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}

export const pct = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)} %`);
export const num = (x: number | null, digits = 2) =>
  x === null || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
