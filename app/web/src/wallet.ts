/**
 * Wallets through the wallet standard (`@wallet-standard/app`): every registered wallet with
 * `standard:connect` and `solana:signTransaction` is offered; the page asks the connected one to
 * sign the wire bytes of a transaction it built, and sends it itself.
 */
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import {
  address,
  getTransactionDecoder,
  getTransactionEncoder,
  type Address,
  type SignatureDictionary,
  type TransactionPartialSigner,
} from '@solana/kit';

export const CONNECT = 'standard:connect';
export const SIGN_TRANSACTION = 'solana:signTransaction';

type ConnectFeature = {
  [CONNECT]: { connect(input?: { silent?: boolean }): Promise<{ accounts: readonly WalletAccount[] }> };
};
type SignFeature = {
  [SIGN_TRANSACTION]: {
    supportedTransactionVersions?: readonly (string | number)[];
    signTransaction(
      ...inputs: { account: WalletAccount; transaction: Uint8Array; chain?: string }[]
    ): Promise<readonly { signedTransaction: Uint8Array }[]>;
  };
};

/** A wallet the page can use. */
export function usable(w: Wallet): boolean {
  return CONNECT in w.features && SIGN_TRANSACTION in w.features;
}

/** The usable wallets registered now, and a subscription to those registered later. */
export function watchWallets(onChange: (wallets: Wallet[]) => void): () => void {
  const registry = getWallets();
  const emit = () => onChange(registry.get().filter(usable));
  emit();
  const off1 = registry.on('register', emit);
  const off2 = registry.on('unregister', emit);
  return () => {
    off1();
    off2();
  };
}

/** A connected wallet account that signs transactions. */
export class Connected {
  constructor(
    readonly wallet: Wallet,
    readonly account: WalletAccount,
  ) {}

  get address(): Address {
    return address(this.account.address);
  }

  /** The chain the wallet is asked to sign for: a local one when it lists it. */
  get chain(): string | undefined {
    const chains = this.account.chains.length ? this.account.chains : this.wallet.chains;
    return chains.find((c) => c === 'solana:localnet') ?? chains.find((c) => c.startsWith('solana:'));
  }

  /** Signs the wire transaction `bytes`; returns the signed wire bytes. */
  async sign(bytes: Uint8Array): Promise<Uint8Array> {
    const feature = (this.wallet.features as unknown as SignFeature)[SIGN_TRANSACTION];
    const [out] = await feature.signTransaction({ account: this.account, transaction: bytes, chain: this.chain });
    if (!out) throw new Error(`${this.wallet.name} returned no signed transaction`);
    return out.signedTransaction;
  }
}

/** Asks `wallet` to connect; its first Solana account is used. */
export async function connect(wallet: Wallet): Promise<Connected> {
  const { accounts } = await (wallet.features as unknown as ConnectFeature)[CONNECT].connect();
  const account = accounts.find((a) => a.chains.length === 0 || a.chains.some((c) => c.startsWith('solana:')));
  if (!account) throw new Error(`${wallet.name} has no Solana account`);
  return new Connected(wallet, account);
}

/**
 * The connected wallet as a `@solana/kit` partial signer: kit compiles the transaction, the
 * wallet signs its wire bytes (`solana:signTransaction`), the signature is taken back. One
 * object for every role the wallet's address plays (fee payer, depositor, request owner).
 */
export function walletSigner(w: Connected): TransactionPartialSigner {
  return {
    address: w.address,
    async signTransactions(txs) {
      const out = [];
      for (const tx of txs) {
        const signed = getTransactionDecoder().decode(await w.sign(new Uint8Array(getTransactionEncoder().encode(tx))));
        const sig = signed.signatures[w.address];
        if (!sig) throw new Error(`${w.wallet.name} did not sign for ${w.address}`);
        out.push(Object.freeze({ [w.address]: sig }) as SignatureDictionary);
      }
      return out;
    },
  };
}
