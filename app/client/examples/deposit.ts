import type { Address, Rpc, SolanaRpcApi, TransactionSigner } from '@solana/kit';
import { depositInstructions, fetchVaultState, quoteDeposit, sendInstructions, simulateVaultQuote, withSlippage } from '@rpv/client';

/** Deposits `amount` base units from `user`'s associated token account; at most 0.5 % fewer shares than quoted. */
export async function deposit(rpc: Rpc<SolanaRpcApi>, user: TransactionSigner, vault: Address, amount: bigint) {
  const state = await fetchVaultState(rpc, vault); // the vault account, decoded
  const quote = await simulateVaultQuote(rpc, { vault, state, payer: user.address }); // the program's own quote
  const { shares } = quoteDeposit(quote, state, amount); // the shares it mints, rounded as the program rounds
  const instructions = await depositInstructions({ user, vault, state, amount, minSharesOut: withSlippage(shares, 50) });
  return { signature: await sendInstructions(rpc, user, instructions), shares };
}
