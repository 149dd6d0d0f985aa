/**
 * What an integrator does over JSON-RPC with nothing but @solana/kit: read the vault, ask the
 * program for its quote (a simulated `quote`, read from the return data), send a transaction
 * and wait for it, with the vault's error named when it fails.
 */
import {
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  getBase64Encoder,
  getSignatureFromTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type GetAccountInfoApi,
  type GetLatestBlockhashApi,
  type GetSignatureStatusesApi,
  type Instruction,
  type Rpc,
  type SendTransactionApi,
  type Signature,
  type SimulateTransactionApi,
  type TransactionSigner,
} from '@solana/kit';

import { fetchVault, type VaultState } from './generated';
import { vaultErrorFromCode, vaultErrorFromError, vaultErrorFromLogs, type VaultError } from './errors';
import { quoteInstruction } from './instructions';
import { decodeVaultQuote, type VaultQuote } from './quote';

/** A transaction the cluster refused, with the vault's error when it was one. */
export class VaultTransactionError extends Error {
  constructor(
    message: string,
    readonly vaultError: VaultError | undefined,
    readonly logs: readonly string[],
  ) {
    super(vaultError ? `${message}: ${vaultError.name} (${vaultError.code}): ${vaultError.message}` : message);
    this.name = 'VaultTransactionError';
  }
}

/** The vault's decoded state. */
export async function fetchVaultState(rpc: Rpc<GetAccountInfoApi>, vault: Address): Promise<VaultState> {
  return (await fetchVault(rpc, vault)).data.state;
}

/**
 * The program's own `VaultQuote` now: `quote` simulated (no signature; `payer` pays the
 * simulated fee and must exist) and its return data decoded.
 */
export async function simulateVaultQuote(
  rpc: Rpc<SimulateTransactionApi & GetLatestBlockhashApi>,
  a: { vault: Address; state: VaultState; payer: Address },
): Promise<VaultQuote> {
  const { value: blockhash } = await rpc.getLatestBlockhash().send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(a.payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
  );
  const withQuote = appendTransactionMessageInstructions([await quoteInstruction(a)], message);
  const wire = getBase64EncodedWireTransaction(compileTransaction(withQuote));
  const { value } = await rpc
    .simulateTransaction(wire, { encoding: 'base64', sigVerify: false, replaceRecentBlockhash: true })
    .send();
  const logs = value.logs ?? [];
  if (value.err) {
    throw new VaultTransactionError('quote failed', vaultErrorFromLogs(logs) ?? vaultErrorFromError(value.err), logs);
  }
  if (!value.returnData) throw new Error('quote returned no data');
  return decodeVaultQuote(getBase64Encoder().encode(value.returnData.data[0]));
}

/**
 * Signs `instructions` with `feePayer` (and any signer they carry), sends them, and polls
 * until the transaction is confirmed; a failure throws a {@link VaultTransactionError}.
 */
export async function sendInstructions(
  rpc: Rpc<GetLatestBlockhashApi & SendTransactionApi & GetSignatureStatusesApi>,
  feePayer: TransactionSigner,
  instructions: readonly Instruction[],
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<Signature> {
  const { value: blockhash } = await rpc.getLatestBlockhash().send();
  const signed = await pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
    (m) => signTransactionMessageWithSigners(m),
  );
  const signature = getSignatureFromTransaction(signed);
  try {
    await rpc.sendTransaction(getBase64EncodedWireTransaction(signed), { encoding: 'base64' }).send();
  } catch (e) {
    const logs = logsOf(e);
    throw new VaultTransactionError('transaction failed', vaultErrorFromLogs(logs) ?? vaultErrorFromError(e), logs);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const { value } = await rpc.getSignatureStatuses([signature]).send();
    const s = value[0];
    if (s?.err) throw new VaultTransactionError('transaction failed', vaultErrorFromError(s.err), []);
    if (s && (s.confirmationStatus === 'confirmed' || s.confirmationStatus === 'finalized')) return signature;
    if (Date.now() > deadline) throw new Error(`transaction ${signature} not confirmed in time`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}

function logsOf(e: unknown): string[] {
  const ctx = (e as { context?: { logs?: unknown } } | null)?.context;
  return Array.isArray(ctx?.logs) ? (ctx.logs as string[]) : [];
}

