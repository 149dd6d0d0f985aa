/**
 * The page's reads over `@solana/kit`'s JSON-RPC client: accounts (base64), the cluster clock
 * (the Clock sysvar, so ages are measured on the chain's time), token amounts, and the vault's
 * request queue through `getProgramAccounts` filters. Quotes and sending are the client
 * package's (`simulateVaultQuote`, `sendInstructions`).
 */
import {
  address,
  createSolanaRpc,
  getBase64Encoder,
  getI64Decoder,
  type Address,
  type Base58EncodedBytes,
} from '@solana/kit';
import {
  decodeRequestState,
  getRequestSize,
  REQUEST_DISCRIMINATOR,
  RPV_VAULT_PROGRAM_ADDRESS,
} from '@rpv/client';
import { getTokenDecoder, getTokenSize } from '@solana-program/token';

export type Rpc = ReturnType<typeof createSolanaRpc>;

export const CLOCK_SYSVAR = address('SysvarC1ock11111111111111111111111111111111');

export function rpcFor(url: string): Rpc {
  return createSolanaRpc(url);
}

const b64 = getBase64Encoder();

/** Data of `keys` (null where an account does not exist). */
export async function accounts(rpc: Rpc, keys: Address[]): Promise<(Uint8Array | null)[]> {
  const out: (Uint8Array | null)[] = [];
  // nodes cap getMultipleAccounts at 100 keys
  for (let i = 0; i < keys.length; i += 100) {
    const { value } = await rpc.getMultipleAccounts(keys.slice(i, i + 100), { encoding: 'base64' }).send();
    for (const a of value) out.push(a ? new Uint8Array(b64.encode(a.data[0])) : null);
  }
  return out;
}

/** Cluster time (the Clock sysvar's `unix_timestamp`) and slot. */
export function decodeClock(data: Uint8Array): { now: bigint; slot: bigint } {
  const i64 = getI64Decoder();
  return { slot: i64.decode(data.subarray(0, 8)), now: i64.decode(data.subarray(32, 40)) };
}

/** An SPL token account's amount (raw units), through the token program's own decoder. */
export function tokenAmount(data: Uint8Array | null): bigint | null {
  if (!data || data.length < getTokenSize()) return null;
  return getTokenDecoder().decode(data.subarray(0, getTokenSize())).amount;
}

export type QueuedRequest = { address: Address; state: ReturnType<typeof decodeRequestState> };

/**
 * The vault's open requests: the program's accounts of a request's size whose state begins
 * with the vault's address (right after the account discriminator), by queue and id.
 */
export async function requests(rpc: Rpc, vault: Address): Promise<QueuedRequest[]> {
  const found = await rpc
    .getProgramAccounts(RPV_VAULT_PROGRAM_ADDRESS, {
      encoding: 'base64',
      filters: [
        { dataSize: BigInt(getRequestSize()) },
        {
          memcmp: {
            offset: BigInt(REQUEST_DISCRIMINATOR.length),
            bytes: vault as unknown as Base58EncodedBytes,
            encoding: 'base58',
          },
        },
      ],
    })
    .send();
  return found
    .map((a) => ({ address: a.pubkey, state: decodeRequestState(new Uint8Array(b64.encode(a.account.data[0]))) }))
    .sort((x, y) => x.state.kind - y.state.kind || Number(x.state.id - y.state.id));
}
