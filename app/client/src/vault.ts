/** The vault account as TypeScript reads it: addresses, flags, the registered assets. */
import { getAddressDecoder, type Address, type ReadonlyUint8Array } from '@solana/kit';

import {
  getRequestDecoder,
  getRiskDecoder,
  getVaultDecoder,
  REQUEST_DISCRIMINATOR,
  RISK_DISCRIMINATOR,
  VAULT_DISCRIMINATOR,
  type AssetSlot,
  type VaultState,
} from './generated';

/**
 * `VaultState.flags` bits. The IDL carries the field, not its bits: they live here once for
 * TypeScript, as `VaultState::FLAG_*` in `rpv_core::layout` (tests check them on a vault).
 */
export const VAULT_FLAGS = { paused: 1, allowlist: 2, rebalancing: 4 } as const;

/** An address stored as 32 raw bytes in a zero-copy account. */
export function toAddress(bytes: ReadonlyUint8Array): Address {
  return getAddressDecoder().decode(bytes);
}

/** The assets in registry order (the first `numAssets` slots): the order of the oracle accounts. */
export function activeAssets(state: VaultState): AssetSlot[] {
  return state.assets.slice(0, state.numAssets);
}

export const isPaused = (s: VaultState) => (s.flags & VAULT_FLAGS.paused) !== 0;
export const isAllowlistEnabled = (s: VaultState) => (s.flags & VAULT_FLAGS.allowlist) !== 0;
export const isRebalancing = (s: VaultState) => (s.flags & VAULT_FLAGS.rebalancing) !== 0;

/** Decodes vault account data (discriminator and size checked). */
export function decodeVaultState(data: ReadonlyUint8Array): VaultState {
  return checked('Vault', VAULT_DISCRIMINATOR, data, getVaultDecoder()).state;
}

/** Decodes risk account data (discriminator and size checked). */
export function decodeRiskState(data: ReadonlyUint8Array) {
  return checked('Risk', RISK_DISCRIMINATOR, data, getRiskDecoder()).state;
}

/** Decodes a flow request account (discriminator and size checked). */
export function decodeRequestState(data: ReadonlyUint8Array) {
  return checked('Request', REQUEST_DISCRIMINATOR, data, getRequestDecoder()).state;
}

function checked<T>(
  name: string,
  discriminator: ReadonlyUint8Array,
  data: ReadonlyUint8Array,
  decoder: { decode(d: ReadonlyUint8Array): T; fixedSize: number },
): T {
  if (data.length !== decoder.fixedSize || discriminator.some((b, i) => data[i] !== b)) {
    throw new Error(`not a ${name} account (${data.length} bytes; a ${name} account has ${decoder.fixedSize})`);
  }
  return decoder.decode(data);
}
