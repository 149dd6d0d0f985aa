/**
 * The rest of the flows on the real program: a deposit request settled and claimed, a
 * cancelled withdrawal request, the allowlist's remaining account, errors through the RPC
 * helpers, and fixed point read from the real risk account.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import type { Address, TransactionSigner } from '@solana/kit';

import {
  activeAssets,
  cancelRequestInstruction,
  claimRequestInstruction,
  decodeRiskState,
  decodeVaultQuote,
  depositInstruction,
  depositInstructions,
  eventsNamed,
  findAllowEntryPda,
  findRiskPda,
  fxBitsFromBytes,
  fxToNumber,
  getSetAllowlistInstruction,
  getSetDepositorInstruction,
  isAllowlistEnabled,
  parseEvents,
  quoteInstruction,
  quoteRequestDeposit,
  requestDepositInstruction,
  requestWithdrawInstruction,
  sendInstructions,
  settleRequestsInstruction,
  shareTokenAccount,
  simulateVaultQuote,
  VAULT_FLAGS,
  VaultTransactionError,
  vaultErrorFromLogs,
  withSlippage,
  quoteDeposit,
} from '../src';
import { Sandbox } from './sandbox';
import { Failed, Svm, svmRpc } from './support';

let s: Svm;
let sb: Sandbox;
let user: { signer: TransactionSigner; baseToken: Address };
let userShares: Address;

describe('requests, allowlist and errors on rpv_vault.so in litesvm', () => {
  before(async () => {
    s = await Svm.load();
    sb = await Sandbox.create(s);
    user = await sb.user(10_000_000_000n);
    const shares = await shareTokenAccount(user.signer, user.signer.address, sb.state());
    await s.send([shares.create]);
    userShares = shares.address;
    sb.step(1);
  });

  test('quote: the helper reads what the program returns, and it is consistent with the vault', async () => {
    const direct = decodeVaultQuote((await s.simulate([await quoteInstruction({ vault: sb.vault, state: sb.state() })])).returnData);
    const viaRpc = await simulateVaultQuote(svmRpc(s), { vault: sb.vault, state: sb.state(), payer: s.payer.address });
    assert.deepEqual(viaRpc, direct);
    const v = sb.state();
    assert.equal(direct.numAssets, v.numAssets);
    assert.equal(direct.baseDecimals, 6);
    assert.equal(direct.quotedAt, s.now());
    // only the seed deposit so far: NAV = base, shares = dead shares, one base unit per share
    assert.equal(direct.nav, v.baseQuantity);
    assert.equal(direct.totalShares, v.deadShares);
    assert.equal(direct.sharePriceE9, 1_000_000_000n);
    assert.ok(direct.navInstantDeposit >= direct.navRoundUp && direct.navRoundUp >= direct.nav);
    assert.ok(direct.navInstantWithdraw <= direct.nav);
  });

  test('a deposit request settled by a keeper mints what quoteRequestDeposit computes', async () => {
    const amount = 3_000_000_000n;
    const req = await requestDepositInstruction({ owner: user.signer, vault: sb.vault, state: sb.state(), ownerBaseToken: user.baseToken, amount });
    const out = await s.send([req.instruction]);
    const [r] = eventsNamed(parseEvents(out.logs), 'FlowRequested');
    assert.ok(r);
    assert.equal(r.request, req.request);
    assert.equal(r.amount, amount);
    sb.step(3);
    const q = await simulateVaultQuote(svmRpc(s), { vault: sb.vault, state: sb.state(), payer: s.payer.address });
    const expected = quoteRequestDeposit(q, sb.state(), amount);
    assert.ok(expected.incentive > 0n);
    const keeper = await sb.user(0n);
    const settled = await s.send([
      settleRequestsInstruction({ keeper: keeper.signer, vault: sb.vault, state: sb.state(), keeperBaseToken: keeper.baseToken, requests: [req.request] }),
    ]);
    const [st] = eventsNamed(parseEvents(settled.logs), 'RequestSettled');
    assert.ok(st);
    assert.equal(st.out, expected.out);
    assert.equal(st.incentive, expected.incentive);
    assert.equal(s.balance(keeper.baseToken), expected.incentive);
    const claimed = await s.send([
      claimRequestInstruction({ owner: user.signer, vault: sb.vault, state: sb.state(), request: req.request, ownerBaseToken: user.baseToken, ownerShareToken: userShares }),
    ]);
    assert.equal(s.balance(userShares), expected.out);
    const [c] = eventsNamed(parseEvents(claimed.logs), 'RequestClaimed');
    assert.ok(c);
    assert.equal(c.request, req.request);
  });

  test('a cancelled withdrawal request gives the shares back', async () => {
    const held = s.balance(userShares);
    const req = await requestWithdrawInstruction({ owner: user.signer, vault: sb.vault, state: sb.state(), ownerShareToken: userShares, shares: held / 2n });
    await s.send([req.instruction]);
    assert.equal(s.balance(userShares), held - held / 2n);
    const out = await s.send([
      cancelRequestInstruction({ owner: user.signer, vault: sb.vault, state: sb.state(), request: req.request, ownerBaseToken: user.baseToken, ownerShareToken: userShares }),
    ]);
    assert.equal(s.balance(userShares), held);
    const [c] = eventsNamed(parseEvents(out.logs), 'RequestCancelled');
    assert.ok(c);
    assert.equal(c.refunded, held / 2n);
    assert.equal(c.id, req.id);
  });

  test("an allowlisted vault: the helpers pass the depositor's entry after the oracles", async () => {
    const on = await s.send([getSetAllowlistInstruction({ signer: sb.admin, vault: sb.vault, enabled: true })]);
    assert.equal(eventsNamed(parseEvents(on.logs), 'AllowlistSet')[0]?.enabled, true);
    assert.equal(isAllowlistEnabled(sb.state()), true);
    assert.equal(sb.state().flags & VAULT_FLAGS.allowlist, VAULT_FLAGS.allowlist);
    sb.step(1);
    const args = { user: user.signer, vault: sb.vault, userBaseToken: user.baseToken, userShareToken: userShares, amount: 1_000_000n, minSharesOut: 1n };
    const ix = await depositInstruction({ ...args, state: sb.state() });
    assert.equal(ix.accounts!.length, 10 + activeAssets(sb.state()).length + 1);
    try {
      await s.send([ix]);
      assert.fail('deposit without an entry succeeded');
    } catch (e) {
      assert.ok(e instanceof Failed);
      assert.equal(vaultErrorFromLogs(e.logs)?.name, 'NotAllowlisted');
    }
    const [entry] = await findAllowEntryPda({ vault: sb.vault, user: user.signer.address });
    await s.send([getSetDepositorInstruction({ admin: sb.admin, vault: sb.vault, entry, user: user.signer.address, allowed: true })]);
    const before = s.balance(userShares);
    await s.send([await depositInstruction({ ...args, state: sb.state() })]);
    assert.ok(s.balance(userShares) > before);
    await s.send([getSetAllowlistInstruction({ signer: sb.admin, vault: sb.vault, enabled: false })]);
    assert.equal(isAllowlistEnabled(sb.state()), false);
  });

  test('over RPC, a refused deposit throws a VaultTransactionError naming the program error', async () => {
    sb.step(1);
    const rpc = svmRpc(s);
    const ixs = await depositInstructions({ user: user.signer, vault: sb.vault, state: sb.state(), amount: 500n, minSharesOut: 0n });
    await assert.rejects(sendInstructions(rpc, user.signer, ixs), (e) => {
      assert.ok(e instanceof VaultTransactionError);
      assert.equal(e.vaultError?.name, 'DepositBelowMinimum');
      assert.equal(e.vaultError?.code, 6035);
      assert.match(e.message, /DepositBelowMinimum \(6035\): deposit below the vault minimum/);
      return true;
    });
    // a slippage bound above the quote is refused too, with its own name
    const q = await simulateVaultQuote(rpc, { vault: sb.vault, state: sb.state(), payer: s.payer.address });
    const { shares } = quoteDeposit(q, sb.state(), 2_000_000n);
    const tight = await depositInstructions({ user: user.signer, vault: sb.vault, state: sb.state(), amount: 2_000_000n, minSharesOut: shares + 1n });
    await assert.rejects(sendInstructions(rpc, user.signer, tight), (e) => e instanceof VaultTransactionError && e.vaultError?.name === 'SlippageExceeded');
    const ok = await depositInstructions({ user: user.signer, vault: sb.vault, state: sb.state(), amount: 2_000_000n, minSharesOut: withSlippage(shares, 0) });
    assert.equal(typeof (await sendInstructions(rpc, user.signer, ok)), 'string');
  });

  test('fixed point from the real risk account: the weights in force sum to one', async () => {
    const risk = decodeRiskState(s.data((await findRiskPda({ vault: sb.vault }))[0]));
    const n = sb.state().numAssets;
    const weights = risk.weights.slice(0, n).map((w) => fxBitsFromBytes(w));
    assert.ok(weights.every((w) => w > 0n));
    const sum = weights.reduce((a, b) => a + b, 0n);
    // I80F48 one = 2^48; a few units of rounding at most
    assert.ok(sum > (1n << 48n) - 16n && sum < (1n << 48n) + 16n, `sum of weights ${sum}`);
    assert.ok(Math.abs(weights.map((w) => fxToNumber(w)).reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(fxToNumber(risk.portfolioVol) >= 0);
  });
});
