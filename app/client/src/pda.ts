/**
 * Every program-derived address of the vault. The IDL states the seeds of the accounts whose
 * seeds are other accounts; Codama rendered those (`findAuthorityPda`, `findShareMintPda`,
 * `findTokenAccountPda` — also as `findBaseVaultPda` / `findAssetVaultPda` —, `findRiskPda`,
 * `findEscrowPda`, `findEntryPda`), re-exported here. Three PDAs take an instruction argument
 * as a seed, which the IDL cannot state; their prefixes live here, once for TypeScript, as in
 * the program's `rpv_interface::seeds` (the tests derive them and the program accepts them):
 *
 * | account | seeds |
 * |---|---|
 * | vault | `["vault", admin, vault_id u64 LE]` |
 * | flow request | `["request", vault, [kind], id u64 LE]` (kind 0 = deposit, 1 = withdrawal) |
 * | proposal | `["proposal", vault, [ProposalKind]]` |
 */
import {
  getAddressEncoder,
  getProgramDerivedAddress,
  getU64Encoder,
  getUtf8Encoder,
  type Address,
  type ProgramDerivedAddress,
} from '@solana/kit';

import { RPV_VAULT_PROGRAM_ADDRESS, type ProposalKind } from './generated';

export {
  findAssetVaultPda,
  findAuthorityPda,
  findBaseVaultPda,
  findEntryPda as findAllowEntryPda,
  findEscrowPda,
  findRiskPda,
  findShareMintPda,
  findTokenAccountPda,
} from './generated';

/** `RequestState.kind` of a deposit request (`rpv_interface::kinds::REQUEST_DEPOSIT`). */
export const REQUEST_DEPOSIT = 0;
/** `RequestState.kind` of a withdrawal request (`rpv_interface::kinds::REQUEST_WITHDRAW`). */
export const REQUEST_WITHDRAW = 1;
export type RequestKind = typeof REQUEST_DEPOSIT | typeof REQUEST_WITHDRAW;

type Config = { programAddress?: Address };

const utf8 = (s: string) => getUtf8Encoder().encode(s);
const addr = (a: Address) => getAddressEncoder().encode(a);
const u64 = (n: bigint | number) => getU64Encoder().encode(n);

/** The vault of `admin` numbered `vaultId`: `["vault", admin, vault_id u64 LE]`. */
export function findVaultPda(
  seeds: { admin: Address; vaultId: bigint | number },
  config: Config = {},
): Promise<ProgramDerivedAddress> {
  return getProgramDerivedAddress({
    programAddress: config.programAddress ?? RPV_VAULT_PROGRAM_ADDRESS,
    seeds: [utf8('vault'), addr(seeds.admin), u64(seeds.vaultId)],
  });
}

/** Flow request `id` of `kind`: `["request", vault, [kind], id u64 LE]`. */
export function findRequestPda(
  seeds: { vault: Address; kind: RequestKind; id: bigint | number },
  config: Config = {},
): Promise<ProgramDerivedAddress> {
  return getProgramDerivedAddress({
    programAddress: config.programAddress ?? RPV_VAULT_PROGRAM_ADDRESS,
    seeds: [utf8('request'), addr(seeds.vault), new Uint8Array([seeds.kind]), u64(seeds.id)],
  });
}

/** The pending proposal of `kind` (its wire value is the seed byte): `["proposal", vault, [kind]]`. */
export function findProposalPda(
  seeds: { vault: Address; kind: ProposalKind },
  config: Config = {},
): Promise<ProgramDerivedAddress> {
  return getProgramDerivedAddress({
    programAddress: config.programAddress ?? RPV_VAULT_PROGRAM_ADDRESS,
    seeds: [utf8('proposal'), addr(seeds.vault), new Uint8Array([seeds.kind])],
  });
}
