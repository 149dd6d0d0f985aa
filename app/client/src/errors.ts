/** The vault's errors by code, name and message, from the IDL (`generated/idl.ts`). */
import { RPV_VAULT_PROGRAM_ADDRESS } from './generated';
import { RPV_VAULT_ERRORS } from './generated/idl';

export type VaultError = { code: number; name: string; message: string };

/** The vault error of `code` (6000 + its index in the IDL), or `undefined`. */
export function vaultErrorFromCode(code: number): VaultError | undefined {
  const e = RPV_VAULT_ERRORS[code];
  return e ? { code, ...e } : undefined;
}

/** The code of the vault error named `name` (as in the IDL: `DepositBelowMinimum`). */
export function vaultErrorCode(name: string): number | undefined {
  for (const [code, e] of Object.entries(RPV_VAULT_ERRORS)) if (e.name === name) return Number(code);
  return undefined;
}

/**
 * The vault error a failed transaction's logs report: the runtime's line
 * `Program <vault> failed: custom program error: 0x…` for the vault program.
 */
export function vaultErrorFromLogs(logs: readonly string[], program: string = RPV_VAULT_PROGRAM_ADDRESS): VaultError | undefined {
  const prefix = `Program ${program} failed: custom program error: `;
  for (const l of logs) {
    if (l.startsWith(prefix)) return vaultErrorFromCode(Number.parseInt(l.slice(prefix.length), 16));
  }
  return undefined;
}

/**
 * The vault error inside an error thrown by @solana/kit (a `SolanaError` with
 * `context.code`, as `sendTransaction` / simulation failures carry it), or a transaction
 * error object of the shape `{ InstructionError: [index, { Custom: code }] }`.
 */
export function vaultErrorFromError(err: unknown): VaultError | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): VaultError | undefined => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    const ctx = o['context'] as Record<string, unknown> | undefined;
    if (ctx && typeof ctx['code'] === 'number') return vaultErrorFromCode(ctx['code']);
    const ie = o['InstructionError'];
    if (Array.isArray(ie) && ie[1] && typeof (ie[1] as Record<string, unknown>)['Custom'] === 'number') {
      return vaultErrorFromCode((ie[1] as { Custom: number }).Custom);
    }
    return walk(o['cause']) ?? walk(o['err']);
  };
  return walk(err);
}
