/**
 * @rpv/client: the vault's generated client (accounts, instructions, types, PDAs, errors,
 * events: `./generated`, from idl/rpv_vault.json) and the helpers an integrator needs.
 */
export * from './generated';
export { RPV_VAULT_ERRORS, RPV_VAULT_EVENTS } from './generated/idl';
export * from './errors';
export * from './events';
export * from './fixed';
export * from './instructions';
export * from './oracle';
export * from './pda';
export * from './quote';
export * from './risk';
export * from './rpc';
export * from './vault';
