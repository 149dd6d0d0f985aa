/** The README's deposit example is examples/deposit.ts verbatim, and it deposits on the real program. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';

import { toAddress } from '../src';
import { deposit } from '../examples/deposit';
import { Sandbox } from './sandbox';
import { Svm, svmRpc } from './support';

test('the README shows examples/deposit.ts exactly', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = readFileSync(new URL('../examples/deposit.ts', import.meta.url), 'utf8');
  assert.ok(readme.includes('```ts\n' + example + '```'), 'README.md must contain examples/deposit.ts in a ```ts block');
  assert.ok(example.split('\n').filter((l) => l.trim() !== '').length <= 11);
});

test('the example deposits through JSON-RPC and mints the shares it quoted', async () => {
  const s = await Svm.load();
  const sb = await Sandbox.create(s);
  const user = await sb.user(1_000_000_000n);
  sb.step(1);
  const { signature, shares } = await deposit(svmRpc(s), user.signer, sb.vault, 1_000_000_000n);
  assert.equal(typeof signature, 'string');
  assert.ok(shares > 0n);
  const mint = toAddress(sb.state().shareMint);
  const [ata] = await findAssociatedTokenPda({ owner: user.signer.address, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
  assert.equal(s.balance(ata), shares);
  assert.equal(s.balance(user.baseToken), 0n);
});
