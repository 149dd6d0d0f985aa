/**
 * A vault on the SVM built only through the program's instructions, as
 * `rpv_sdk::svm::sandbox::Sandbox::create` builds its spot vault: a 6-decimal base mint, the
 * admin's seed deposit of 1,000,000 base units, `initialize_vault` (vault id 1, cap u64::MAX/4,
 * minimum deposit 1,000, no timelock), SOL / BTC / ETH at $150 / $97,000 / $3,400 with Pyth
 * feeds (±5 bps, 60 s maximum age, 100 bps maximum confidence), equal risk budgets (the last
 * one taking the remainder), a first `refresh`. (Its risk method stays the default, inverse
 * volatility: the flows here do not depend on it.)
 */
import { generateKeyPairSigner, type Address, type TransactionSigner } from '@solana/kit';

import {
  findAuthorityPda,
  findEscrowPda,
  findProposalPda,
  findRiskPda,
  findShareMintPda,
  findTokenAccountPda,
  findVaultPda,
  getAddAssetInstruction,
  getInitializeVaultInstruction,
  getSetRiskBudgetsInstruction,
  OracleKind,
  ProposalKind,
  refreshInstruction,
  decodeVaultState,
  type VaultState,
} from '../src';
import { feedId, Svm } from './support';

/** Parts per 10^9 of a whole risk budget (`rpv_core::layout::BUDGET_ONE`). */
const BUDGET_ONE = 1_000_000_000n;

export type Feed = { symbol: string; mint: Address; decimals: number; oracle: Address; feed: Uint8Array; price: bigint };

export class Sandbox {
  private constructor(
    readonly s: Svm,
    readonly admin: TransactionSigner,
    readonly vault: Address,
    readonly baseMint: Address,
    readonly feeds: Feed[],
    readonly confBps: bigint,
  ) {}

  static async create(s: Svm): Promise<Sandbox> {
    const admin = await generateKeyPairSigner();
    await s.fund(admin.address, 100n);
    const baseMint = await s.createMint(6);
    const seed = 1_000_000n;
    const adminBase = await s.tokenAccount(baseMint, admin.address, seed);
    const [vault] = await findVaultPda({ admin: admin.address, vaultId: 1n });
    await s.send([
      getInitializeVaultInstruction({
        admin,
        vault,
        risk: (await findRiskPda({ vault }))[0],
        authority: (await findAuthorityPda({ vault }))[0],
        baseMint,
        shareMint: (await findShareMintPda({ vault }))[0],
        baseVault: (await findTokenAccountPda({ vault, mint: baseMint }))[0],
        adminBaseToken: adminBase,
        baseTokenProgram: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' as Address,
        escrow: (await findEscrowPda({ vault }))[0],
        vaultId: 1n,
        depositCap: (1n << 64n) / 4n,
        minDeposit: 1_000n,
        seedDeposit: seed,
        feeRecipient: admin.address,
        maxManagementFeeBps: 500,
        maxPerformanceFeeBps: 3_000,
        managementFeeBps: 0,
        performanceFeeBps: 0,
        timelockSecs: 0,
        allowlist: false,
      }),
    ]);
    const sb = new Sandbox(s, admin, vault, baseMint, [], 5n);
    const specs = [
      { symbol: 'SOL', decimals: 9, price: 15_000_000_000n },
      { symbol: 'BTC', decimals: 8, price: 9_700_000_000_000n },
      { symbol: 'ETH', decimals: 8, price: 340_000_000_000n },
    ];
    const budget = BUDGET_ONE / BigInt(specs.length);
    for (const a of specs) {
      const mint = await s.createMint(a.decimals);
      const feed: Feed = { ...a, mint, oracle: (await generateKeyPairSigner()).address, feed: feedId(`${a.symbol}/USD`) };
      sb.publishOne(feed);
      await s.send([
        getAddAssetInstruction({
          admin,
          vault,
          authority: (await findAuthorityPda({ vault }))[0],
          mint,
          tokenAccount: (await findTokenAccountPda({ vault, mint }))[0],
          oracle: feed.oracle,
          shareMint: (await findShareMintPda({ vault }))[0],
          proposal: (await findProposalPda({ vault, kind: ProposalKind.Registration }))[0],
          args: {
            oracleKind: OracleKind.Pyth,
            feedId: feed.feed,
            maxOracleAge: 60,
            maxConfBps: 100,
            riskBudget: budget,
            inKindCap: 0n,
            oracleQueue: new Uint8Array(32),
          },
        }),
      ]);
      sb.feeds.push(feed);
    }
    const budgets = specs.map(() => budget);
    budgets[budgets.length - 1]! += BUDGET_ONE - budget * BigInt(specs.length);
    await s.send([
      getSetRiskBudgetsInstruction({ admin, vault, risk: (await findRiskPda({ vault }))[0], budgetsPpb: budgets }),
    ]);
    await s.send([await refreshInstruction({ vault, state: sb.state() })]);
    return sb;
  }

  state(): VaultState {
    return decodeVaultState(this.s.data(this.vault));
  }

  private publishOne(f: Feed): void {
    this.s.publishPrice(f.oracle, f.feed, f.price, (f.price * this.confBps) / 10_000n, -8);
  }

  /** Every oracle re-published at the current clock. */
  publish(): void {
    for (const f of this.feeds) this.publishOne(f);
  }

  /** The clock `seconds` forward, every oracle re-published. */
  step(seconds: number): void {
    this.s.advance(seconds);
    this.publish();
  }

  /** A funded user holding `base` base units in its associated base token account. */
  async user(base: bigint): Promise<{ signer: TransactionSigner; baseToken: Address }> {
    const signer = await generateKeyPairSigner();
    await this.s.fund(signer.address, 10n);
    return { signer, baseToken: await this.s.tokenAccount(this.baseMint, signer.address, base) };
  }
}
