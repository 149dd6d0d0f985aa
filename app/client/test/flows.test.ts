/**
 * The client against the real program in litesvm: a vault created through its instructions,
 * then deposit, quote, withdraw, a withdrawal request settled by a keeper and claimed, the
 * events of each transaction, and refusals decoded to their IDL names.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import type { Address, TransactionSigner } from '@solana/kit';

import {
  claimRequestInstruction,
  decodeRequestState,
  decodeRiskState,
  depositInstruction,
  eventsNamed,
  findAuthorityPda,
  findEscrowPda,
  findRequestPda,
  findRiskPda,
  findShareMintPda,
  findTokenAccountPda,
  fxToDecimalString,
  fxToNumber,
  getRiskDecoder,
  getRiskEncoder,
  getRiskSize,
  getSetFlowParamsInstruction,
  getVaultDecoder,
  getVaultEncoder,
  getVaultSize,
  isPaused,
  parseEvents,
  quoteDeposit,
  QuoteRefused,
  quoteRequestWithdraw,
  quoteWithdraw,
  REQUEST_WITHDRAW,
  requestWithdrawInstruction,
  settleRequestsInstruction,
  shareTokenAccount,
  simulateVaultQuote,
  toAddress,
  vaultErrorCode,
  vaultErrorFromLogs,
  withdrawInstruction,
  type VaultQuote,
} from '../src';
import { Sandbox } from './sandbox';
import { Failed, Svm, svmRpc } from './support';

let s: Svm;
let sb: Sandbox;
let user: { signer: TransactionSigner; baseToken: Address };
let userShares: Address;

async function quoteNow(): Promise<VaultQuote> {
  return simulateVaultQuote(svmRpc(s), { vault: sb.vault, state: sb.state(), payer: s.payer.address });
}

async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Failed, `expected a refused transaction, got ${e}`);
    return vaultErrorFromLogs(e.logs)?.name;
  }
  assert.fail('the transaction succeeded');
}

describe('the client against rpv_vault.so in litesvm', () => {
  before(async () => {
    s = await Svm.load();
    sb = await Sandbox.create(s);
    // an instant fee and a settlement incentive, so the quotes' fee rounding is exercised
    const p = sb.state().flows.params;
    await s.send([getSetFlowParamsInstruction({ signer: sb.admin, vault: sb.vault, params: { ...p, instantFeeBps: 30, settleIncentiveBps: 10 } })]);
    user = await sb.user(5_000_000_000n);
    const shares = await shareTokenAccount(user.signer, user.signer.address, sb.state());
    await s.send([shares.create]);
    userShares = shares.address;
    sb.step(1);
  });

  test('the vault the program created is where the PDA helpers say', async () => {
    const v = sb.state();
    const vault = sb.vault;
    assert.equal(toAddress(v.authority), (await findAuthorityPda({ vault }))[0]);
    assert.equal(toAddress(v.shareMint), (await findShareMintPda({ vault }))[0]);
    assert.equal(toAddress(v.baseVault), (await findTokenAccountPda({ vault, mint: sb.baseMint }))[0]);
    assert.equal(toAddress(v.flows.escrow), (await findEscrowPda({ vault }))[0]);
    assert.equal(v.numAssets, 3);
    for (const [i, f] of sb.feeds.entries()) {
      assert.equal(toAddress(v.assets[i]!.tokenAccount), (await findTokenAccountPda({ vault, mint: f.mint }))[0]);
      assert.equal(toAddress(v.assets[i]!.oracle), f.oracle);
    }
    assert.equal(v.flows.params.instantFeeBps, 30);
    assert.equal(isPaused(v), false);
    assert.ok(s.exists((await findRiskPda({ vault }))[0]));
  });

  test('Vault and Risk accounts round-trip through the generated codecs byte for byte', async () => {
    const vaultBytes = s.data(sb.vault);
    const riskBytes = s.data((await findRiskPda({ vault: sb.vault }))[0]);
    assert.equal(vaultBytes.length, getVaultSize());
    assert.equal(riskBytes.length, getRiskSize());
    assert.ok(vaultBytes.length > 1000 && riskBytes.length > 1000, 'larger than the buffer Anchor TS overflowed');
    assert.deepEqual(new Uint8Array(getVaultEncoder().encode(getVaultDecoder().decode(vaultBytes))), vaultBytes);
    assert.deepEqual(new Uint8Array(getRiskEncoder().encode(getRiskDecoder().decode(riskBytes))), riskBytes);
    assert.equal(toAddress(decodeRiskState(riskBytes).vault), sb.vault);
  });

  test('deposit mints exactly the shares quoteDeposit computes from the program quote', async () => {
    const q = await quoteNow();
    assert.equal(q.riskFresh, true);
    assert.equal(q.numAssets, 3);
    const amount = 2_500_000_000n;
    const expected = quoteDeposit(q, sb.state(), amount);
    assert.ok(expected.instantFee > 0n);
    const before = s.balance(userShares);
    const ix = await depositInstruction({
      user: user.signer,
      vault: sb.vault,
      state: sb.state(),
      userBaseToken: user.baseToken,
      userShareToken: userShares,
      amount,
      minSharesOut: expected.shares,
    });
    const out = await s.send([ix]);
    assert.equal(s.balance(userShares) - before, expected.shares);
    const [d] = eventsNamed(parseEvents(out.logs), 'Deposited');
    assert.ok(d, 'a Deposited event');
    assert.equal(d.amount, amount);
    assert.equal(d.shares, expected.shares);
    assert.equal(d.instantFee, expected.instantFee);
    assert.equal(d.navBefore, q.navInstantDeposit);
    assert.equal(d.totalSharesBefore, q.totalShares);
    assert.equal(d.user, user.signer.address);
    // the risk summary's fixed point decodes consistently both ways
    assert.ok(q.leverageBits > 0n);
    assert.equal(Number(fxToDecimalString(q.leverageBits)), fxToNumber(q.leverageBits));
  });

  test('withdraw pays exactly what quoteWithdraw computes', async () => {
    sb.step(1); // not in the slot of the deposit
    const q = await quoteNow();
    const shares = s.balance(userShares) / 4n;
    const expected = quoteWithdraw(q, sb.state(), shares);
    const before = s.balance(user.baseToken);
    const out = await s.send([
      withdrawInstruction({
        user: user.signer,
        vault: sb.vault,
        state: sb.state(),
        userBaseToken: user.baseToken,
        userShareToken: userShares,
        shares,
        minAmountOut: expected.amount,
      }),
    ]);
    assert.equal(s.balance(user.baseToken) - before, expected.amount);
    const [w] = eventsNamed(parseEvents(out.logs), 'Withdrawn');
    assert.ok(w, 'a Withdrawn event');
    assert.equal(w.shares, shares);
    assert.equal(w.amount, expected.amount);
    assert.equal(w.instantFee, expected.instantFee);
  });

  test('a withdrawal request settled by a keeper pays what quoteRequestWithdraw computes', async () => {
    const shares = s.balance(userShares) / 3n;
    const req = await requestWithdrawInstruction({
      owner: user.signer,
      vault: sb.vault,
      state: sb.state(),
      ownerShareToken: userShares,
      shares,
    });
    assert.equal(req.request, (await findRequestPda({ vault: sb.vault, kind: REQUEST_WITHDRAW, id: req.id }))[0]);
    const requested = await s.send([req.instruction]);
    const [r] = eventsNamed(parseEvents(requested.logs), 'FlowRequested');
    assert.ok(r, 'a FlowRequested event');
    assert.equal(r.id, req.id);
    assert.equal(r.amount, shares);

    // a keeper settles once prices published after the request are on chain
    sb.step(3);
    const q = await quoteNow();
    const expected = quoteRequestWithdraw(q, sb.state(), shares);
    const keeper = await sb.user(0n);
    const settled = await s.send([
      settleRequestsInstruction({ keeper: keeper.signer, vault: sb.vault, state: sb.state(), keeperBaseToken: keeper.baseToken, requests: [req.request] }),
    ]);
    const [st] = eventsNamed(parseEvents(settled.logs), 'RequestSettled');
    assert.ok(st, 'a RequestSettled event');
    assert.equal(st.out, expected.out);
    assert.equal(st.incentive, expected.incentive);
    assert.equal(s.balance(keeper.baseToken), expected.incentive);
    const state = decodeRequestState(s.data(req.request));
    assert.equal(state.claimable, expected.out);
    assert.equal(state.pending, 0n);

    const before = s.balance(user.baseToken);
    const claimed = await s.send([
      claimRequestInstruction({
        owner: user.signer,
        vault: sb.vault,
        state: sb.state(),
        request: req.request,
        ownerBaseToken: user.baseToken,
        ownerShareToken: userShares,
      }),
    ]);
    assert.equal(s.balance(user.baseToken) - before, expected.out);
    assert.equal(eventsNamed(parseEvents(claimed.logs), 'RequestClaimed').length, 1);
  });

  test('refusals decode to their IDL names, and the quotes refuse alike', async () => {
    sb.step(1);
    const base = { user: user.signer, vault: sb.vault, userBaseToken: user.baseToken, userShareToken: userShares };
    const small = await depositInstruction({ ...base, state: sb.state(), amount: 999n, minSharesOut: 0n });
    assert.equal(await refusal(s.send([small])), 'DepositBelowMinimum');
    assert.equal(vaultErrorCode('DepositBelowMinimum'), 6035);
    assert.throws(() => quoteDeposit({ ...dummyQuote() }, sb.state(), 999n), (e) => e instanceof QuoteRefused && e.errorName === 'DepositBelowMinimum');

    // the oracles out of registry order
    const ix = await depositInstruction({ ...base, state: sb.state(), amount: 10_000_000n, minSharesOut: 0n });
    const accounts = [...ix.accounts!];
    const n = accounts.length;
    [accounts[n - 1], accounts[n - 2]] = [accounts[n - 2]!, accounts[n - 1]!];
    assert.equal(await refusal(s.send([{ ...ix, accounts }])), 'OracleAccountMismatch');

    // a stale oracle: the clock moves past the maximum age without a new price
    s.advance(120);
    assert.equal(await refusal(s.send([ix])), 'OracleStale');
    sb.publish();
  });
});

/** A quote at a fresh, unpaused vault (for the rules checked before any price). */
function dummyQuote(): VaultQuote {
  return {
    nav: 1n,
    navRoundUp: 1n,
    totalShares: 1n,
    sharePriceE9: 0n,
    baseDecimals: 6,
    numAssets: 0,
    paused: false,
    riskFresh: true,
    riskRefreshedAt: 0n,
    portfolioVolBits: 0n,
    leverageBits: 0n,
    quotedAt: 0n,
    navInstantWithdraw: 1n,
    navInstantDeposit: 1n,
  };
}
