/**
 * Quotes with the program's rounding. The program's read-only `quote` instruction returns a
 * `VaultQuote` through return data (NAV both ways, the NAVs instant flows are priced at, total
 * shares after the fees due now, share price, …); from it and the vault's flow parameters
 * these functions compute, in `bigint`, exactly what the program's flows compute
 * (`rpv_core::engine::flows` / `engine::requests`, as `rpv_sdk::client` quotes them):
 *
 * - deposit: fee = ⌈amount × instant_fee_bps / 10⁴⌉; shares = ⌊(amount − fee) × total /
 *   nav_instant_deposit⌋ (every holding at the top of its confidence interval, rounded up);
 * - withdraw: gross = ⌊shares × nav_instant_withdraw / total⌋ (bottom of the interval,
 *   rounded down); fee = ⌈gross × instant_fee_bps / 10⁴⌉; paid = gross − fee, and only from
 *   the base left after what the withdrawal queue is owed (⌈pending × nav / total⌉);
 * - deposit request (settled at the head of its queue at these prices): filled =
 *   min(amount, cap − nav_round_up); incentive = ⌊filled × settle_incentive_bps / 10⁴⌋;
 *   shares = ⌊(filled − incentive) × total / nav_round_up⌋;
 * - withdrawal request: gross = ⌊shares × nav / total⌋; incentive = ⌊gross ×
 *   settle_incentive_bps / 10⁴⌋; out = gross − incentive.
 *
 * Requests settle at prices published after them: their quotes are estimates at today's
 * prices. A refusal throws a {@link QuoteRefused} carrying the program error's name.
 */
import type { ReadonlyUint8Array } from '@solana/kit';

import { getVaultQuoteDecoder, type VaultQuote, type VaultState } from './generated';
import { isPaused, isRebalancing } from './vault';

export type { VaultQuote } from './generated';

/** Basis points in one. */
export const BPS = 10_000n;
/** `VaultQuote.sharePriceE9` is base units per this many shares. */
export const SHARE_PRICE_SCALE = 1_000_000_000n;
/** Bytes of `quote`'s return data (the generated codec's fixed size). */
export const VAULT_QUOTE_LEN = getVaultQuoteDecoder().fixedSize;

/** The program would refuse: `name` is the program error it would fail with. */
export class QuoteRefused extends Error {
  constructor(readonly errorName: string) {
    super(`the program would refuse: ${errorName}`);
    this.name = 'QuoteRefused';
  }
}

function ensure(cond: boolean, name: string): void {
  if (!cond) throw new QuoteRefused(name);
}

/** ⌊a × b / d⌋ or ⌈a × b / d⌉ (`rpv_core::math::mul_div`, which fails above u64). */
export function mulDiv(a: bigint, b: bigint, d: bigint, round: 'down' | 'up'): bigint {
  ensure(d !== 0n, 'MathOverflow');
  const p = a * b;
  let q = p / d;
  if (round === 'up' && q * d !== p) q += 1n;
  ensure(q < 1n << 64n, 'MathOverflow');
  return q;
}

/** Decodes `quote`'s return data. */
export function decodeVaultQuote(returnData: ReadonlyUint8Array): VaultQuote {
  if (returnData.length !== VAULT_QUOTE_LEN) {
    throw new Error(`quote return data is ${VAULT_QUOTE_LEN} bytes, got ${returnData.length}`);
  }
  return getVaultQuoteDecoder().decode(returnData);
}

/** ⌊value × total / nav_up⌋ (`math::shares_for_deposit`). */
function sharesForDeposit(value: bigint, total: bigint, navUp: bigint): bigint {
  ensure(value > 0n, 'ZeroAmount');
  ensure(navUp > 0n && total > 0n, 'VaultInsolvent');
  const shares = mulDiv(value, total, navUp, 'down');
  ensure(shares > 0n, 'ZeroShares');
  return shares;
}

/** ⌊shares × nav_down / total⌋ (`math::amount_for_shares`). */
function amountForShares(shares: bigint, total: bigint, navDown: bigint): bigint {
  ensure(shares > 0n, 'ZeroShares');
  ensure(total > 0n && shares <= total, 'InvariantViolated');
  const amount = mulDiv(shares, navDown, total, 'down');
  ensure(amount > 0n, 'ZeroAmount');
  return amount;
}

/** What the withdrawal queue is owed at `nav` and `total` shares, rounded up. */
export function queueOwed(state: VaultState, nav: bigint, total: bigint): bigint {
  const pending = state.flows.withdrawals.pending;
  return pending === 0n ? 0n : mulDiv(pending, nav, total > 0n ? total : 1n, 'up');
}

export type DepositQuote = { shares: bigint; instantFee: bigint; nav: bigint; totalShares: bigint };
export type WithdrawQuote = { amount: bigint; instantFee: bigint; nav: bigint; totalShares: bigint };
export type RequestQuote = {
  /** Shares (deposit) or base units (withdrawal) it would make claimable. */
  out: bigint;
  incentive: bigint;
  /** Base units of escrow it would fill (deposits: at most the room under the cap). */
  filled: bigint;
  nav: bigint;
  totalShares: bigint;
  /** Withdrawals: the vault's base now, and what the queue ahead of the request is owed. */
  baseOnHand: bigint;
  queueAhead: bigint;
};

/** Shares `deposit(amount, 0)` mints now (the allowlist is not checked). */
export function quoteDeposit(q: VaultQuote, state: VaultState, amount: bigint): DepositQuote {
  ensure(q.riskFresh, 'RiskStateStale');
  ensure(!q.paused, 'VaultPaused');
  ensure(!isRebalancing(state), 'RebalanceInProgress');
  ensure(amount > 0n, 'ZeroAmount');
  ensure(amount >= state.minDeposit, 'DepositBelowMinimum');
  const instantFee = mulDiv(amount, BigInt(state.flows.params.instantFeeBps), BPS, 'up');
  const value = amount - instantFee;
  const nav = q.navInstantDeposit;
  ensure(nav + value <= state.depositCap, 'DepositCapExceeded');
  return { shares: sharesForDeposit(value, q.totalShares, nav), instantFee, nav, totalShares: q.totalShares };
}

/** Base units `withdraw(shares, 0)` pays now (net of the instant fee; the balance is not checked). */
export function quoteWithdraw(q: VaultQuote, state: VaultState, shares: bigint): WithdrawQuote {
  ensure(!isRebalancing(state), 'RebalanceInProgress');
  ensure(shares > 0n, 'ZeroShares');
  const nav = q.navInstantWithdraw;
  const gross = amountForShares(shares, q.totalShares, nav);
  const instantFee = mulDiv(gross, BigInt(state.flows.params.instantFeeBps), BPS, 'up');
  const amount = gross - instantFee;
  ensure(amount > 0n, 'ZeroAmount');
  const owed = queueOwed(state, q.nav, q.totalShares);
  ensure(amount <= (state.baseQuantity > owed ? state.baseQuantity - owed : 0n), 'InsufficientBaseLiquidity');
  return { amount, instantFee, nav, totalShares: q.totalShares };
}

/** What a deposit request of `amount` would settle into at these prices (an estimate). */
export function quoteRequestDeposit(q: VaultQuote, state: VaultState, amount: bigint): RequestQuote {
  ensure(!isPaused(state), 'VaultPaused');
  ensure(!isRebalancing(state), 'RebalanceInProgress');
  ensure(amount > 0n, 'ZeroAmount');
  ensure(amount >= state.minDeposit, 'DepositBelowMinimum');
  ensure(q.riskFresh, 'RiskStateStale');
  const headroom = state.depositCap > q.navRoundUp ? state.depositCap - q.navRoundUp : 0n;
  const filled = amount < headroom ? amount : headroom;
  ensure(filled > 0n, 'DepositCapExceeded');
  const incentive = mulDiv(filled, BigInt(state.flows.params.settleIncentiveBps), BPS, 'down');
  const out = sharesForDeposit(filled - incentive, q.totalShares, q.navRoundUp);
  return {
    out,
    incentive,
    filled,
    nav: q.navRoundUp,
    totalShares: q.totalShares,
    baseOnHand: state.baseQuantity,
    queueAhead: state.flows.deposits.pending,
  };
}

/** What a withdrawal request of `shares` would be worth at these prices (an estimate). */
export function quoteRequestWithdraw(q: VaultQuote, state: VaultState, shares: bigint): RequestQuote {
  ensure(!isRebalancing(state), 'RebalanceInProgress');
  ensure(shares > 0n, 'ZeroShares');
  const gross = amountForShares(shares, q.totalShares, q.nav);
  const incentive = mulDiv(gross, BigInt(state.flows.params.settleIncentiveBps), BPS, 'down');
  return {
    out: gross - incentive,
    incentive,
    filled: shares,
    nav: q.nav,
    totalShares: q.totalShares,
    baseOnHand: state.baseQuantity,
    queueAhead: queueOwed(state, q.nav, q.totalShares),
  };
}

/** `amount` less `bps` basis points, rounded down: a slippage bound (`minSharesOut`, `minAmountOut`). */
export function withSlippage(amount: bigint, bps: number | bigint): bigint {
  return (amount * (BPS - BigInt(bps))) / BPS;
}

/** The share price as base units per share, exact (`sharePriceE9` is rounded down to 10⁻⁹). */
export function sharePrice(q: VaultQuote): { baseUnitsPerShare: number; e9: bigint } {
  return { baseUnitsPerShare: Number(q.sharePriceE9) / Number(SHARE_PRICE_SCALE), e9: q.sharePriceE9 };
}
