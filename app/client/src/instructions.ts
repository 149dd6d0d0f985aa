/**
 * Instructions for the common flows, built on the generated builders with every account the
 * program expects: the vault's own accounts read from its decoded state, then the remaining
 * accounts — one oracle per registered asset in registry order (read-only), and for deposits
 * into an allowlisted vault the depositor's allowlist entry after them.
 */
import {
  AccountRole,
  type AccountMeta,
  type Address,
  type Instruction,
  type TransactionSigner,
} from '@solana/kit';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';

import {
  getCancelRequestInstruction,
  getClaimRequestInstruction,
  getDepositInstruction,
  getQuoteInstruction,
  getRefreshInstruction,
  getRequestDepositInstruction,
  getRequestWithdrawInstruction,
  getSettleRequestsInstruction,
  getWithdrawInstruction,
  type VaultState,
} from './generated';
import { findAllowEntryPda, findRequestPda, findRiskPda, REQUEST_DEPOSIT, REQUEST_WITHDRAW } from './pda';
import { activeAssets, isAllowlistEnabled, toAddress } from './vault';

const readonly = (address: Address): AccountMeta => ({ address, role: AccountRole.READONLY });
const writable = (address: Address): AccountMeta => ({ address, role: AccountRole.WRITABLE });

function withRemaining<T extends Instruction>(ix: T, extra: AccountMeta[]): T {
  return { ...ix, accounts: [...(ix.accounts ?? []), ...extra] };
}

/** The oracle of every registered asset, in registry order (the remaining accounts of a priced instruction). */
export function oracleAccounts(state: VaultState): AccountMeta[] {
  return activeAssets(state).map((a) => readonly(toAddress(a.oracle)));
}

/** The vault's own accounts, as its state names them. */
export function vaultAccounts(state: VaultState) {
  return {
    authority: toAddress(state.authority),
    baseMint: toAddress(state.baseMint),
    baseVault: toAddress(state.baseVault),
    shareMint: toAddress(state.shareMint),
    baseTokenProgram: toAddress(state.baseTokenProgram),
    escrow: toAddress(state.flows.escrow),
  };
}

async function allowEntry(state: VaultState, vault: Address, user: Address): Promise<AccountMeta[]> {
  if (!isAllowlistEnabled(state)) return [];
  const [entry] = await findAllowEntryPda({ vault, user });
  return [readonly(entry)];
}

type Flow = {
  user: TransactionSigner;
  vault: Address;
  state: VaultState;
  userBaseToken: Address;
  userShareToken: Address;
};

/** `deposit(amount, minSharesOut)`: base tokens in, shares out. */
export async function depositInstruction(a: Flow & { amount: bigint; minSharesOut: bigint }): Promise<Instruction> {
  const v = vaultAccounts(a.state);
  const ix = getDepositInstruction({ ...a, ...v, amount: a.amount, minSharesOut: a.minSharesOut });
  return withRemaining(ix, [...oracleAccounts(a.state), ...(await allowEntry(a.state, a.vault, a.user.address))]);
}

/** `withdraw(shares, minAmountOut)`: shares in, base tokens out now. */
export function withdrawInstruction(a: Flow & { shares: bigint; minAmountOut: bigint }): Instruction {
  const v = vaultAccounts(a.state);
  return withRemaining(getWithdrawInstruction({ ...a, ...v, shares: a.shares, minAmountOut: a.minAmountOut }), oracleAccounts(a.state));
}

/** The user's associated share token account, and the instruction creating it when missing (idempotent). */
export async function shareTokenAccount(payer: TransactionSigner, owner: Address, state: VaultState) {
  const mint = toAddress(state.shareMint);
  const [ata] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
  const create = getCreateAssociatedTokenIdempotentInstruction({ payer, owner, mint, ata });
  return { address: ata, create };
}

/**
 * A deposit from the user's associated base token account into its associated share token
 * account (created if missing): the instructions of one transaction.
 */
export async function depositInstructions(a: {
  user: TransactionSigner;
  vault: Address;
  state: VaultState;
  amount: bigint;
  minSharesOut: bigint;
}): Promise<Instruction[]> {
  const baseMint = toAddress(a.state.baseMint);
  const tokenProgram = toAddress(a.state.baseTokenProgram);
  const [userBaseToken] = await findAssociatedTokenPda({ owner: a.user.address, mint: baseMint, tokenProgram });
  const shares = await shareTokenAccount(a.user, a.user.address, a.state);
  return [shares.create, await depositInstruction({ ...a, userBaseToken, userShareToken: shares.address })];
}

/** `request_deposit(id, amount)`: base escrowed, settled by a keeper at later prices. `id` = the queue's next id. */
export async function requestDepositInstruction(a: {
  owner: TransactionSigner;
  vault: Address;
  state: VaultState;
  ownerBaseToken: Address;
  amount: bigint;
  id?: bigint;
}): Promise<{ instruction: Instruction; request: Address; id: bigint }> {
  const id = a.id ?? a.state.flows.deposits.nextId;
  const [request] = await findRequestPda({ vault: a.vault, kind: REQUEST_DEPOSIT, id });
  const v = vaultAccounts(a.state);
  const ix = getRequestDepositInstruction({ ...a, ...v, request, id, amount: a.amount });
  return { instruction: withRemaining(ix, await allowEntry(a.state, a.vault, a.owner.address)), request, id };
}

/** `request_withdraw(id, shares)`: shares escrowed (burnt on settlement). `id` = the queue's next id. */
export async function requestWithdrawInstruction(a: {
  owner: TransactionSigner;
  vault: Address;
  state: VaultState;
  ownerShareToken: Address;
  shares: bigint;
  id?: bigint;
}): Promise<{ instruction: Instruction; request: Address; id: bigint }> {
  const id = a.id ?? a.state.flows.withdrawals.nextId;
  const [request] = await findRequestPda({ vault: a.vault, kind: REQUEST_WITHDRAW, id });
  const v = vaultAccounts(a.state);
  return { instruction: getRequestWithdrawInstruction({ ...a, ...v, request, id, shares: a.shares }), request, id };
}

/**
 * `settle_requests` (permissionless; the keeper earns the incentive into `keeperBaseToken`):
 * the oracles, then the request accounts to settle, each queue from its head, deposits first.
 */
export function settleRequestsInstruction(a: {
  keeper: TransactionSigner;
  vault: Address;
  state: VaultState;
  keeperBaseToken: Address;
  requests: Address[];
}): Instruction {
  const v = vaultAccounts(a.state);
  const ix = getSettleRequestsInstruction({ ...a, ...v });
  return withRemaining(ix, [...oracleAccounts(a.state), ...a.requests.map(writable)]);
}

type RequestAction = {
  owner: TransactionSigner;
  vault: Address;
  state: VaultState;
  request: Address;
  ownerBaseToken: Address;
  ownerShareToken: Address;
};

/** `claim_request`: what has settled (shares minted, or base paid from the escrow). */
export function claimRequestInstruction(a: RequestAction): Instruction {
  return getClaimRequestInstruction({ ...a, ...vaultAccounts(a.state) });
}

/** `cancel_request`: what is still pending back to its owner. */
export function cancelRequestInstruction(a: RequestAction): Instruction {
  return getCancelRequestInstruction({ ...a, ...vaultAccounts(a.state) });
}

/** `quote` (read-only; simulate it and decode the return data with `decodeVaultQuote`). */
export async function quoteInstruction(a: { vault: Address; state: VaultState }): Promise<Instruction> {
  const [risk] = await findRiskPda({ vault: a.vault });
  const ix = getQuoteInstruction({ vault: a.vault, risk, shareMint: toAddress(a.state.shareMint) });
  return withRemaining(ix, oracleAccounts(a.state));
}

/** `refresh` (permissionless): the risk state from the oracles. */
export async function refreshInstruction(a: { vault: Address; state: VaultState }): Promise<Instruction> {
  const [risk] = await findRiskPda({ vault: a.vault });
  return withRemaining(getRefreshInstruction({ vault: a.vault, risk }), oracleAccounts(a.state));
}
