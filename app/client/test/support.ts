/**
 * The vault's real `.so` in npm litesvm, and what the tests need around it: signers, SPL
 * mints and associated token accounts made through the token programs, Pyth `PriceUpdateV2`
 * accounts in the receiver's byte layout (as `rpv_core::pyth::PriceUpdateV2::encode` writes
 * them: owned by the receiver, written with `setAccount`, kept fresh by moving the clock and
 * re-publishing), and a JSON-RPC-shaped adapter so the package's RPC helpers run unchanged.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64Decoder,
  getBase64Encoder,
  getSignatureFromTransaction,
  getTransactionDecoder,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type Instruction,
  type TransactionSigner,
} from '@solana/kit';
import { getCreateAccountInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintSize,
  getMintToInstruction,
  getTokenDecoder,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { FailedTransactionMetadata, LiteSVM, TransactionMetadata } from 'litesvm';

import { RPV_VAULT_PROGRAM_ADDRESS } from '../src';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The built program: `RPV_PROGRAM_SO`, else `target/deploy/rpv_vault.so` of the repository. */
export const PROGRAM_SO = process.env['RPV_PROGRAM_SO'] ?? resolve(HERE, '../../../target/deploy/rpv_vault.so');
/** Cluster time the SVM starts at (as `rpv_sdk::svm::START_TIME`). */
export const START_TIME = 1_795_000_000n;
export const SLOTS_PER_SECOND = 2n;
/** The Pyth Solana Receiver program, owner of every `PriceUpdateV2` account. */
export const PYTH_RECEIVER = address('rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ');

export type Executed = { logs: string[]; returnData: Uint8Array; cu: bigint; signature: string };

/** A transaction the program refused: the runtime error and the logs. */
export class Failed extends Error {
  constructor(
    readonly err: unknown,
    readonly logs: string[],
  ) {
    super(`transaction failed: ${String(err)}\n${logs.join('\n')}`);
  }
}

export class Svm {
  private constructor(
    readonly svm: LiteSVM,
    readonly payer: TransactionSigner,
  ) {}

  /** litesvm with the vault program at its id, a payer with 1,000 SOL, the clock at START_TIME. */
  static async load(): Promise<Svm> {
    if (!existsSync(PROGRAM_SO)) {
      throw new Error(`no program at ${PROGRAM_SO}: build it (cargo xtask build-sbf) or set RPV_PROGRAM_SO`);
    }
    const svm = new LiteSVM().withSigverify(true);
    svm.addProgramFromFile(RPV_VAULT_PROGRAM_ADDRESS, PROGRAM_SO);
    const payer = await generateKeyPairSigner();
    svm.airdrop(payer.address, lamports(1_000_000_000_000n));
    const c = svm.getClock();
    c.unixTimestamp = START_TIME;
    svm.setClock(c);
    return new Svm(svm, payer);
  }

  now(): bigint {
    return this.svm.getClock().unixTimestamp;
  }

  slot(): bigint {
    return this.svm.getClock().slot;
  }

  /** Moves the clock `seconds` forward (and the slot by two per second). */
  advance(seconds: number): void {
    const c = this.svm.getClock();
    c.unixTimestamp += BigInt(seconds);
    c.slot += BigInt(seconds) * SLOTS_PER_SECOND;
    this.svm.setClock(c);
  }

  async fund(to: Address, sol = 10n): Promise<void> {
    this.svm.airdrop(to, lamports(sol * 1_000_000_000n));
  }

  /** Signs `ixs` with the payer and the signers they carry, sends them; throws {@link Failed}. */
  async send(ixs: readonly Instruction[]): Promise<Executed> {
    const tx = await this.sign(ixs);
    const out = this.svm.sendTransaction(tx);
    this.svm.expireBlockhash();
    return this.result(out, getSignatureFromTransaction(tx));
  }

  async simulate(ixs: readonly Instruction[]): Promise<Executed> {
    const tx = await this.sign(ixs);
    const out = this.svm.simulateTransaction(tx);
    if (out instanceof FailedTransactionMetadata) return this.result(out, '');
    return this.result(out.meta(), getSignatureFromTransaction(tx));
  }

  private async sign(ixs: readonly Instruction[]) {
    return pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(this.payer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: 0n }, m),
      (m) => appendTransactionMessageInstructions(ixs, m),
      (m) => signTransactionMessageWithSigners(m),
    );
  }

  private result(out: TransactionMetadata | FailedTransactionMetadata, signature: string): Executed {
    if (out instanceof FailedTransactionMetadata) throw new Failed(out.err(), out.meta().logs());
    return { logs: out.logs(), returnData: out.returnData().data(), cu: out.computeUnitsConsumed(), signature };
  }

  data(key: Address): Uint8Array {
    const a = this.svm.getAccount(key);
    if (!a.exists) throw new Error(`account ${key} does not exist`);
    return new Uint8Array(a.data);
  }

  exists(key: Address): boolean {
    return this.svm.getAccount(key).exists;
  }

  /** A new SPL Token mint with `decimals`; the payer is its mint authority. */
  async createMint(decimals: number): Promise<Address> {
    const mint = await generateKeyPairSigner();
    const space = BigInt(getMintSize());
    await this.send([
      getCreateAccountInstruction({
        payer: this.payer,
        newAccount: mint,
        lamports: this.svm.minimumBalanceForRentExemption(space),
        space,
        programAddress: TOKEN_PROGRAM_ADDRESS,
      }),
      getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority: this.payer.address }),
    ]);
    return mint.address;
  }

  /** `owner`'s associated token account of `mint` (created if missing), topped up with `amount`. */
  async tokenAccount(mint: Address, owner: Address, amount = 0n): Promise<Address> {
    const [ata] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const ixs: Instruction[] = [getCreateAssociatedTokenIdempotentInstruction({ payer: this.payer, owner, mint, ata })];
    if (amount > 0n) ixs.push(getMintToInstruction({ mint, token: ata, mintAuthority: this.payer, amount }));
    await this.send(ixs);
    return ata;
  }

  balance(tokenAccount: Address): bigint {
    return this.exists(tokenAccount) ? getTokenDecoder().decode(this.data(tokenAccount)).amount : 0n;
  }

  /** Writes a Pyth `PriceUpdateV2` at `key` for `feedId`: `price · 10^expo ± conf`, published now. */
  publishPrice(key: Address, feedId: Uint8Array, price: bigint, conf: bigint, expo: number): void {
    const data = priceUpdateV2(feedId, price, conf, expo, this.now(), this.slot());
    this.svm.setAccount({
      address: key,
      data,
      executable: false,
      lamports: lamports(10_000_000n),
      programAddress: PYTH_RECEIVER,
      space: BigInt(data.length),
    });
  }
}

/** A feed id for tests: sha256("rpv-feed:" + label), as `rpv_sdk::pyth::feed_id`. */
export function feedId(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`rpv-feed:${label}`).digest());
}

/**
 * A fully verified `PriceUpdateV2` in the receiver's layout (134 bytes): discriminator,
 * write authority, verification level Full, feed id, price, conf, exponent, publish time,
 * previous publish time (a second earlier), EMA price and conf (= price, conf), posted slot.
 */
export function priceUpdateV2(
  feed: Uint8Array,
  price: bigint,
  conf: bigint,
  expo: number,
  publishTime: bigint,
  slot: bigint,
): Uint8Array {
  const d = new Uint8Array(134);
  const v = new DataView(d.buffer);
  const disc = createHash('sha256').update('account:PriceUpdateV2').digest().subarray(0, 8);
  d.set(disc, 0);
  d.fill(0x50, 8, 40); // write authority
  d[40] = 1; // VerificationLevel::Full
  d.set(feed, 41);
  let o = 73;
  v.setBigInt64(o, price, true);
  v.setBigUint64((o += 8), conf, true);
  v.setInt32((o += 8), expo, true);
  v.setBigInt64((o += 4), publishTime, true);
  v.setBigInt64((o += 8), publishTime - 1n, true);
  v.setBigInt64((o += 8), price, true);
  v.setBigUint64((o += 8), conf, true);
  v.setBigUint64((o += 8), slot, true);
  return d;
}

/**
 * A JSON-RPC-shaped view of the SVM with the methods the package's RPC helpers call
 * (`getAccountInfo`, `getLatestBlockhash`, `simulateTransaction`, `sendTransaction`,
 * `getSignatureStatuses`), answering from litesvm: the helpers run as against a cluster.
 */
export function svmRpc(s: Svm) {
  const b64 = getBase64Decoder();
  const fromB64 = getBase64Encoder();
  const statuses = new Map<string, unknown>();
  const call = <T>(value: T) => ({ send: async () => value });
  const decodeTx = (wire: string) => getTransactionDecoder().decode(fromB64.encode(wire));
  const rpc = {
    getAccountInfo: (key: Address) => {
      const a = s.svm.getAccount(key);
      return call({
        context: { slot: s.slot() },
        value: a.exists
          ? {
              data: [b64.decode(a.data), 'base64'],
              executable: a.executable,
              lamports: a.lamports,
              owner: a.programAddress,
              space: BigInt(a.data.length),
              rentEpoch: 0n,
            }
          : null,
      });
    },
    getLatestBlockhash: () =>
      call({ context: { slot: s.slot() }, value: { blockhash: s.svm.latestBlockhash(), lastValidBlockHeight: 0n } }),
    simulateTransaction: (wire: string, config: { sigVerify?: boolean }) => {
      const tx = decodeTx(wire);
      s.svm.withSigverify(config.sigVerify ?? false);
      try {
        const out = s.svm.simulateTransaction(tx);
        const failed = out instanceof FailedTransactionMetadata;
        const meta = failed ? out.meta() : out.meta();
        const ret = meta.returnData();
        return call({
          context: { slot: s.slot() },
          value: {
            err: failed ? out.err() : null,
            logs: meta.logs(),
            returnData: ret.data().length > 0 ? { programId: ret.programId(), data: [b64.decode(ret.data()), 'base64'] } : null,
            unitsConsumed: meta.computeUnitsConsumed(),
          },
        });
      } finally {
        s.svm.withSigverify(true);
      }
    },
    sendTransaction: (wire: string) => ({
      send: async () => {
        const tx = decodeTx(wire);
        const out = s.svm.sendTransaction(tx);
        s.svm.expireBlockhash();
        const sig = getSignatureFromTransaction(tx);
        if (out instanceof FailedTransactionMetadata) {
          const e = new Error('Transaction simulation failed') as Error & { context: unknown };
          e.context = { logs: out.meta().logs(), err: out.err() };
          throw e;
        }
        statuses.set(sig, { slot: s.slot(), confirmations: null, err: null, confirmationStatus: 'confirmed' });
        return sig;
      },
    }),
    getSignatureStatuses: (sigs: string[]) =>
      call({ context: { slot: s.slot() }, value: sigs.map((x) => statuses.get(x) ?? null) }),
  };
  // the helpers are typed against @solana/kit's Rpc; this answers the subset they call
  return rpc as never;
}
