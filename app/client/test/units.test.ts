/** The pieces that need no program: fixed point, the IDL tables, the generated code's freshness. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { getBase64Decoder } from '@solana/kit';

import {
  decodeEvent,
  decodePriceUpdateV2,
  fxBitsFromBytes,
  fxBitsToBytes,
  fxFromDecimalString,
  fxFromNumber,
  fxToDecimalString,
  fxToNumber,
  getDepositedEncoder,
  mulDiv,
  parseEvents,
  riskContributions,
  RPV_VAULT_ERRORS,
  RPV_VAULT_EVENTS,
  RPV_VAULT_PROGRAM_ADDRESS,
  unpack,
  vaultErrorFromCode,
  volatility,
  vaultErrorFromError,
  withSlippage,
} from '../src';
import { checkGenerated } from '../scripts/generate';

const idl = JSON.parse(readFileSync(new URL('../../../idl/rpv_vault.json', import.meta.url), 'utf8'));

test('I80F48 bits decode to numbers and exact decimals, and encode back', () => {
  const one = 1n << 48n;
  assert.equal(fxToDecimalString(3n * (one / 2n)), '1.5');
  assert.equal(fxToDecimalString(-(one / 4n)), '-0.25');
  assert.equal(fxToDecimalString(1n), '0.000000000000003552713678800500929355621337890625'); // 2^-48 exactly
  assert.equal(fxToDecimalString(-one * 123n - 1n, 6), '-123');
  assert.equal(fxToDecimalString(0n), '0');
  assert.equal(fxToNumber(-(one * 3n) / 2n), -1.5);
  assert.ok(Math.abs(fxToNumber(fxFromNumber(0.2)) - 0.2) <= 2 ** -49, 'nearest I80F48');
  assert.equal(fxFromNumber(1.5), 3n * (one / 2n));
  assert.equal(fxFromDecimalString('-12.375'), -(12n * one + (3n * one) / 8n));
  assert.equal(fxFromDecimalString(fxToDecimalString(123456789n)), 123456789n);
  for (const bits of [0n, 1n, -1n, (1n << 127n) - 1n, -(1n << 127n), 0x0123456789abcdefn * one]) {
    assert.equal(fxBitsFromBytes(fxBitsToBytes(bits)), bits);
    assert.equal(fxBitsFromBytes([fxBitsToBytes(bits)]), bits);
  }
  assert.deepEqual([...fxBitsToBytes(one)], [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('mulDiv rounds as rpv_core::math::mul_div, and slippage bounds round down', () => {
  assert.equal(mulDiv(7n, 3n, 2n, 'down'), 10n);
  assert.equal(mulDiv(7n, 3n, 2n, 'up'), 11n);
  assert.equal(mulDiv(6n, 3n, 2n, 'up'), 9n);
  assert.throws(() => mulDiv(1n << 63n, 4n, 1n, 'down'));
  assert.equal(withSlippage(1_000n, 100), 990n);
  assert.equal(withSlippage(999n, 100), 989n);
});

test("every IDL event is in the table, with Anchor's discriminator sha256('event:Name')[..8]", () => {
  assert.equal(idl.events.length, 35);
  assert.equal(Object.keys(RPV_VAULT_EVENTS).length, 35);
  for (const e of Object.values(RPV_VAULT_EVENTS)) {
    const d = createHash('sha256').update(`event:${e.name}`).digest().subarray(0, 8);
    assert.deepEqual([...e.discriminator], [...d], e.name);
  }
});

test('events decode from log lines of the vault program only', () => {
  const body = {
    vault: RPV_VAULT_PROGRAM_ADDRESS,
    user: RPV_VAULT_PROGRAM_ADDRESS,
    amount: 5n,
    shares: 4n,
    navBefore: 3n,
    totalSharesBefore: 2n,
    baseQuantityAfter: 1n,
    instantFee: 0n,
  };
  const bytes = new Uint8Array([...RPV_VAULT_EVENTS.deposited.discriminator, ...getDepositedEncoder().encode(body)]);
  const line = `Program data: ${getBase64Decoder().decode(bytes)}`;
  assert.deepEqual(decodeEvent(bytes), { name: 'Deposited', data: body });
  const other = 'Tokenkeg1111111111111111111111111111111111';
  const logs = [
    `Program ${RPV_VAULT_PROGRAM_ADDRESS} invoke [1]`,
    line,
    `Program ${other} invoke [2]`,
    line,
    `Program ${other} success`,
    `Program ${RPV_VAULT_PROGRAM_ADDRESS} success`,
    line,
  ];
  assert.equal(parseEvents(logs).length, 1);
  assert.equal(decodeEvent(bytes.subarray(0, 7)), undefined);
});

test('every IDL error has its name and message by code', () => {
  assert.equal(Object.keys(RPV_VAULT_ERRORS).length, idl.errors.length);
  for (const e of idl.errors) assert.deepEqual(vaultErrorFromCode(e.code), { code: e.code, name: e.name, message: e.msg });
  assert.equal(vaultErrorFromError({ InstructionError: [0, { Custom: 6035 }] })?.name, 'DepositBelowMinimum');
  assert.equal(vaultErrorFromError({ context: { code: 6002 } })?.name, 'OracleWrongOwner');
  assert.equal(vaultErrorFromCode(1), undefined);
});

test('src/generated is what the generator makes of idl/rpv_vault.json today', async () => {
  const diff = await checkGenerated();
  assert.deepEqual(diff, [], `stale generated files (run \`npm run generate\`): ${diff.join(', ')}`);
});

test('a PriceUpdateV2 account decodes to what was written; other bytes are not one', async () => {
  const { priceUpdateV2, feedId } = await import('./support');
  const feed = feedId('SOL/USD');
  const data = priceUpdateV2(feed, 15_012_345_678n, 7_500_000n, -8, 1_765_000_000n, 123_456n);
  const p = decodePriceUpdateV2(data);
  assert.ok(p);
  assert.deepEqual(
    [p.price, p.conf, p.exponent, p.publishTime, p.postedSlot, p.verified],
    [15_012_345_678n, 7_500_000n, -8, 1_765_000_000n, 123_456n, true],
  );
  assert.deepEqual([...p.feedId], [...feed]);
  const other = data.slice();
  other[0] ^= 1; // another account type
  assert.equal(decodePriceUpdateV2(other), null);
  assert.equal(decodePriceUpdateV2(data.subarray(0, 60)), null);
});

test('risk contributions: shares of wᵀΣw that sum to one; equal for equal risks', () => {
  // packed upper triangle of a 3 × 3 covariance
  const cov = unpack([0.04, 0.006, 0.0, 0.09, 0.012, 0.16], 3);
  assert.deepEqual(cov[1][0], cov[0][1]);
  const w = [0.5, 0.3, 0.2];
  const rc = riskContributions(cov, w)!;
  assert.ok(Math.abs(rc.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const total = volatility(cov, w) ** 2;
  const direct = w.map((wi, i) => (wi * cov[i].reduce((s, c, j) => s + c * w[j], 0)) / total);
  rc.forEach((x, i) => assert.ok(Math.abs(x - direct[i]) < 1e-12));
  // uncorrelated assets weighted by inverse volatility contribute equally
  const diag = unpack([0.04, 0, 0, 0.09, 0, 0.16], 3);
  const iv = [1 / 0.2, 1 / 0.3, 1 / 0.4];
  const sum = iv.reduce((a, b) => a + b, 0);
  riskContributions(diag, iv.map((x) => x / sum))!.forEach((x) => assert.ok(Math.abs(x - 1 / 3) < 1e-12));
  assert.equal(riskContributions(diag, [0, 0, 0]), null);
});
