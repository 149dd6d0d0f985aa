/**
 * I80F48 fixed point (the program's `fixed::types::I80F48`): a signed 128-bit integer of
 * which the low 48 bits are the fraction. It reaches TypeScript two ways: as `i128` "bits"
 * fields (a `bigint`, e.g. `VaultQuote.portfolioVolBits`) and as `FxBits` (16 little-endian
 * bytes inside the zero-copy accounts, e.g. `VaultState.optionRate`).
 */
import type { FxBits } from './generated';

/** Fractional bits of an I80F48. */
export const FX_FRAC_BITS = 48n;
const ONE = 1n << FX_FRAC_BITS;
const FRAC_MASK = ONE - 1n;
/** 10^48 / 2^48 = 5^48: the 48-digit decimal expansion of a fraction is `frac × 5^48`. */
const FIVE_POW_48 = 5n ** 48n;

/** The signed bits of a 16-byte little-endian `FxBits` (or any 16 raw bytes). */
export function fxBitsFromBytes(value: FxBits | Uint8Array | ReadonlyArray<number>): bigint {
  const bytes = isFxBits(value) ? value[0] : value;
  if (bytes.length !== 16) throw new RangeError(`an I80F48 is 16 bytes, got ${bytes.length}`);
  let u = 0n;
  for (let i = 15; i >= 0; i--) u = (u << 8n) | BigInt(bytes[i]!);
  return BigInt.asIntN(128, u);
}

function isFxBits(v: unknown): v is FxBits {
  return Array.isArray(v) && v.length === 1 && v[0] instanceof Uint8Array;
}

/** The 16 little-endian bytes of `bits` (as the accounts and instruction arguments hold them). */
export function fxBitsToBytes(bits: bigint): Uint8Array {
  let u = BigInt.asUintN(128, bits);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** The value as a `number` (the nearest double of integer part plus fraction). */
export function fxToNumber(bits: bigint | FxBits): number {
  const b = typeof bits === 'bigint' ? bits : fxBitsFromBytes(bits);
  // arithmetic shift floors, the mask leaves the non-negative remainder: exact split
  return Number(b >> FX_FRAC_BITS) + Number(b & FRAC_MASK) / Number(ONE);
}

/**
 * The exact decimal value (every I80F48 has a finite expansion of at most 48 decimals),
 * trailing zeros removed: `fxToDecimalString(3n << 47n) === "1.5"`. With `maxDecimals`,
 * the expansion is cut (towards zero) after that many decimals.
 */
export function fxToDecimalString(bits: bigint | FxBits, maxDecimals?: number): string {
  const b = typeof bits === 'bigint' ? bits : fxBitsFromBytes(bits);
  const neg = b < 0n;
  const a = neg ? -b : b;
  const int = a >> FX_FRAC_BITS;
  let frac = ((a & FRAC_MASK) * FIVE_POW_48).toString().padStart(48, '0');
  if (maxDecimals !== undefined) frac = frac.slice(0, Math.max(0, maxDecimals));
  frac = frac.replace(/0+$/, '');
  const body = frac.length > 0 ? `${int}.${frac}` : `${int}`;
  return neg && body !== '0' ? `-${body}` : body;
}

/** The bits of the I80F48 nearest to `x` (ties away from zero), for arguments such as strikes. */
export function fxFromNumber(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  // × 2^48 is exact in binary floating point; rounding then leaves an integer
  const scaled = x * Number(ONE);
  const r = Math.sign(scaled) * Math.round(Math.abs(scaled));
  return BigInt(r);
}

/** The bits of an exact decimal string (`"-12.375"`), rounded towards zero to 2^-48. */
export function fxFromDecimalString(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new SyntaxError(`not a decimal number: ${text}`);
  const [, sign, int, frac = ''] = m;
  const scale = 10n ** BigInt(frac.length);
  const bits = (BigInt(int!) << FX_FRAC_BITS) + ((frac.length > 0 ? BigInt(frac) : 0n) << FX_FRAC_BITS) / scale;
  return sign === '-' ? -bits : bits;
}
