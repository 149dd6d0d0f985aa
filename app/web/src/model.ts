/**
 * What the page shows, read from the chain in one pass: the vault and risk accounts (decoded
 * by @rpv/client), the program's own quote (a simulated `quote`), every oracle, the cluster
 * clock, the request queue, and the connected wallet's balances.
 */
import type { Address } from '@solana/kit';
import {
  activeAssets,
  decodePriceUpdateV2,
  decodeRiskState,
  decodeVaultState,
  findRiskPda,
  fxToNumber,
  isPaused,
  riskContributions,
  sharePrice,
  simulateVaultQuote,
  toAddress,
  unpack,
  volatility,
  type PythPrice,
  type VaultQuote,
  type VaultState,
} from '@rpv/client';
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';

import { accounts, CLOCK_SYSVAR, decodeClock, requests, tokenAmount, type QueuedRequest, type Rpc } from './chain';

export type Position = {
  index: number;
  label: string;
  mint: Address;
  decimals: number;
  isOption: boolean;
  quantity: bigint;
  /** Oracle mid price in base currency per whole token (spot), when its oracle decodes. */
  price: number | null;
  /** Value in base units at the mid price. */
  value: number | null;
  weight: number | null;
  /** `w_i · L`: the weight the engine aims at. */
  targetWeight: number;
  /** `w_i · L · NAV`: the target value at today's NAV, base units. */
  target: number | null;
  budget: number;
  rcHoldings: number | null;
  rcTargets: number | null;
};

export type OracleHealth = {
  index: number;
  label: string;
  oracle: Address;
  price: PythPrice | null;
  ageSecs: number | null;
  confBps: number | null;
  maxAge: number;
  maxConfBps: number;
  status: 'ok' | 'stale' | 'wide' | 'missing';
};

export type Holder = {
  address: Address;
  baseAccount: Address;
  shareAccount: Address;
  base: bigint | null;
  shares: bigint | null;
  lamports: bigint;
};

export type Model = {
  vault: Address;
  state: VaultState;
  quote: VaultQuote | null;
  quoteError: string | null;
  now: bigint;
  slot: bigint;
  baseDecimals: number;
  paused: boolean;
  positions: Position[];
  oracles: OracleHealth[];
  portfolioVol: number;
  volTarget: number;
  holdingsVol: number | null;
  leverage: number;
  riskSamples: bigint;
  riskAge: number | null;
  requests: QueuedRequest[];
  holder: Holder | null;
};

const short = (a: string) => `${a.slice(0, 4)}…${a.slice(-4)}`;

export async function load(rpc: Rpc, vault: Address, labels: string[], holder: Address | null): Promise<Model> {
  const [risk] = await findRiskPda({ vault });
  const [vaultData, riskData, clockData] = await accounts(rpc, [vault, risk, CLOCK_SYSVAR]);
  if (!vaultData) throw new Error(`no vault at ${vault} on this cluster`);
  if (!riskData) throw new Error(`the vault's risk account ${risk} is missing`);
  if (!clockData) throw new Error('the node has no Clock sysvar');
  const state = decodeVaultState(vaultData);
  const r = decodeRiskState(riskData);
  const { now, slot } = decodeClock(clockData);
  const assets = activeAssets(state);
  const oracleData = await accounts(rpc, assets.map((a) => toAddress(a.oracle)));

  let quote: VaultQuote | null = null;
  let quoteError: string | null = null;
  try {
    quote = await simulateVaultQuote(rpc, { vault, state, payer: holder ?? toAddress(state.admin) });
  } catch (e) {
    quoteError = e instanceof Error ? e.message : String(e);
  }
  const nav = quote ? Number(quote.nav) : null;
  const baseScale = 10 ** state.baseDecimals;

  const oracles: OracleHealth[] = assets.map((a, i) => {
    const p = oracleData[i] ? decodePriceUpdateV2(oracleData[i]!) : null;
    const ageSecs = p ? Number(now - p.publishTime) : null;
    const confBps = p && p.price > 0n ? (Number(p.conf) / Number(p.price)) * 10_000 : null;
    const status: OracleHealth['status'] = !p
      ? 'missing'
      : ageSecs! > a.maxOracleAge
        ? 'stale'
        : confBps! > a.maxConfBps
          ? 'wide'
          : 'ok';
    return {
      index: i,
      label: labels[i] ?? short(toAddress(a.mint)),
      oracle: toAddress(a.oracle),
      price: p,
      ageSecs,
      confBps,
      maxAge: a.maxOracleAge,
      maxConfBps: a.maxConfBps,
      status,
    };
  });

  const leverage = fxToNumber(r.leverage);
  const positions: Position[] = assets.map((a, i) => {
    const p = oracles[i]!.price;
    const isOption = a.option.kind !== 0;
    // spot: price · 10^expo base currency per whole token; an option's feed is its implied vol
    const price = p && !isOption ? Number(p.price) * 10 ** p.exponent : null;
    const value = price !== null ? (Number(a.quantity) / 10 ** a.decimals) * price * baseScale : null;
    return {
      index: i,
      label: oracles[i]!.label,
      mint: toAddress(a.mint),
      decimals: a.decimals,
      isOption,
      quantity: a.quantity,
      price,
      value,
      weight: value !== null && nav ? value / nav : null,
      targetWeight: fxToNumber(r.weights[i]!) * leverage,
      target: nav === null ? null : fxToNumber(r.weights[i]!) * leverage * nav,
      budget: Number(a.riskBudget) / 1e9,
      rcHoldings: null,
      rcTargets: null,
    };
  });
  // risk contributions on the factor covariance (a spot vault's model)
  const n = assets.length;
  const spot = positions.every((p) => !p.isOption);
  const cov = unpack(r.cov.map((c) => fxToNumber(c)), n);
  let holdingsVol: number | null = null;
  if (spot && n > 0) {
    const h = positions.map((p) => p.weight ?? 0);
    const rcH = riskContributions(cov, h);
    const rcT = riskContributions(
      cov,
      positions.map((p) => p.targetWeight),
    );
    positions.forEach((p, i) => {
      p.rcHoldings = rcH ? rcH[i]! : null;
      p.rcTargets = rcT ? rcT[i]! : null;
    });
    holdingsVol = volatility(cov, h);
  }

  let h: Holder | null = null;
  if (holder) {
    const baseMint = toAddress(state.baseMint);
    const shareMint = toAddress(state.shareMint);
    const [baseAccount] = await findAssociatedTokenPda({
      owner: holder,
      mint: baseMint,
      tokenProgram: toAddress(state.baseTokenProgram),
    });
    const [shareAccount] = await findAssociatedTokenPda({
      owner: holder,
      mint: shareMint,
      // the share mint is an SPL Token mint
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    });
    const [b, s] = await accounts(rpc, [baseAccount, shareAccount]);
    const { value: lamports } = await rpc.getBalance(holder).send();
    h = { address: holder, baseAccount, shareAccount, base: tokenAmount(b), shares: tokenAmount(s), lamports };
  }

  return {
    vault,
    state,
    quote,
    quoteError,
    now,
    slot,
    baseDecimals: state.baseDecimals,
    paused: isPaused(state),
    positions,
    oracles,
    portfolioVol: fxToNumber(r.portfolioVol),
    volTarget: fxToNumber(r.volTarget),
    holdingsVol,
    leverage,
    riskSamples: r.samples,
    riskAge: state.riskRefreshedAt > 0n ? Number(now - state.riskRefreshedAt) : null,
    requests: await requests(rpc, vault),
    holder: h,
  };
}

/** The share price from the program's quote, base currency per share. */
export function pricePerShare(q: VaultQuote): number {
  return sharePrice(q).baseUnitsPerShare;
}
