/**
 * Pyth `PriceUpdateV2` accounts as the Pyth receiver writes them (the layout of
 * `rpv_core::pyth::PriceUpdateV2`): the price, confidence and publish time the program checks,
 * for a page's oracle health or an integrator's own staleness check.
 */
/** sha256("account:PriceUpdateV2")[..8], as the receiver's Anchor account. */
export const PRICE_UPDATE_V2_DISCRIMINATOR = [34, 241, 35, 99, 157, 126, 244, 205];

export type PythPrice = {
  feedId: Uint8Array;
  price: bigint;
  conf: bigint;
  exponent: number;
  publishTime: bigint;
  postedSlot: bigint;
  /** Fully verified (every guardian signature checked). */
  verified: boolean;
};

/** Decodes a `PriceUpdateV2` account, or null when the bytes are not one. */
export function decodePriceUpdateV2(data: Uint8Array): PythPrice | null {
  if (data.length < 41 || PRICE_UPDATE_V2_DISCRIMINATOR.some((b, i) => data[i] !== b)) return null;
  const verified = data[40] === 1;
  if (data[40] !== 0 && data[40] !== 1) return null;
  const m = verified ? 41 : 42;
  if (data.length < m + 92) return null;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    feedId: data.slice(m, m + 32),
    price: v.getBigInt64(m + 32, true),
    conf: v.getBigUint64(m + 40, true),
    exponent: v.getInt32(m + 48, true),
    publishTime: v.getBigInt64(m + 52, true),
    postedSlot: v.getBigUint64(m + 84, true),
    verified,
  };
}
