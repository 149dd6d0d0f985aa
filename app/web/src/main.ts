/**
 * The vault's page. Configuration from the query string: `?rpc=URL&vault=ADDRESS` (and
 * optionally `labels=SOL,BTC,ETH`, the assets' names in registry order). Everything shown is
 * read from the chain; deposits, withdrawals and requests go through a wallet-standard wallet.
 */
import './style.css';

import { address, type Address, type Instruction } from '@solana/kit';
import type { Wallet } from '@wallet-standard/base';
import {
  cancelRequestInstruction,
  claimRequestInstruction,
  depositInstructions,
  QuoteRefused,
  quoteDeposit,
  quoteRequestDeposit,
  quoteRequestWithdraw,
  quoteWithdraw,
  REQUEST_DEPOSIT,
  requestDepositInstruction,
  requestWithdrawInstruction,
  sendInstructions,
  toAddress,
  vaultErrorFromError,
  VaultTransactionError,
  withdrawInstruction,
  withSlippage,
} from '@rpv/client';

import { rpcFor, type Rpc } from './chain';
import { formatUnits, num, parseUnits, pct } from './format';
import { load, pricePerShare, type Model } from './model';
import { connect, walletSigner, watchWallets, type Connected } from './wallet';

/** Slippage allowed on instant flows, basis points (the CLI's default, 1 %). */
const SLIPPAGE_BPS = 100;
const REFRESH_MS = 5_000;

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type App = {
  rpc: Rpc;
  vault: Address;
  labels: string[];
  wallets: Wallet[];
  connected: Connected | null;
  model: Model | null;
  busy: boolean;
};

function config(): { rpc: string; vault: Address; labels: string[] } {
  const rpc = params.get('rpc');
  const vault = params.get('vault');
  if (!rpc || !vault) throw new Error('set the cluster and the vault in the address: ?rpc=http://127.0.0.1:8899&vault=ADDRESS');
  let v: Address;
  try {
    v = address(vault);
  } catch {
    throw new Error(`vault=${vault} is not an address`);
  }
  return { rpc, vault: v, labels: (params.get('labels') ?? '').split(',').filter(Boolean) };
}

/** A failure as a user should read it: the program's error name when it is the vault's. */
export function describeError(e: unknown): string {
  if (e instanceof QuoteRefused) return `The program would refuse this: ${e.errorName}`;
  const ve = vaultErrorFromError(e);
  const msg = e instanceof Error ? e.message : String(e);
  if (ve && !msg.includes(ve.name)) return `${ve.name} (${ve.code}): ${ve.message}`;
  if (!ve && e instanceof VaultTransactionError) {
    // another program refused (the token program, the runtime): its own words from the logs
    const line = e.logs.find((l) => /^Program log: Error/.test(l)) ?? [...e.logs].reverse().find((l) => /failed/.test(l));
    if (line) return `${msg}: ${line.replace(/^Program log: /, '')}`;
  }
  return msg;
}

function status(text: string, kind: 'info' | 'ok' | 'error' = 'info') {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

function renderSummary(m: Model) {
  const d = m.baseDecimals;
  const q = m.quote;
  $('nav').textContent = q ? formatUnits(q.nav, d, 2) : '—';
  $('share-price').textContent = q ? num(pricePerShare(q), 6) : '—';
  $('total-shares').textContent = q ? formatUnits(q.totalShares, d, 2) : '—';
  $('base-held').textContent = formatUnits(m.state.baseQuantity, d, 2);
  $('risk-fresh').textContent = q ? (q.riskFresh ? 'fresh' : 'stale') : '—';
  $('risk-age').textContent = m.riskAge === null ? 'never refreshed' : `${m.riskAge} s ago`;
  $('paused').textContent = m.paused ? 'paused' : 'open';
  $('quote-error').textContent = m.quoteError ?? '';
  $('vol-portfolio').textContent = pct(m.portfolioVol);
  $('vol-target').textContent = pct(m.volTarget);
  $('vol-holdings').textContent = pct(m.holdingsVol);
  $('vol-targets').textContent = pct(m.leverage * m.portfolioVol);
  $('leverage').textContent = num(m.leverage, 3);
  $('samples').textContent = m.riskSamples.toString();
  $('clock').textContent = `${new Date(Number(m.now) * 1000).toISOString().replace('.000Z', 'Z')} · slot ${m.slot}`;
}

function renderHoldings(m: Model) {
  const d = m.baseDecimals;
  const baseWeight = m.quote && m.quote.nav > 0n ? Number(m.state.baseQuantity) / Number(m.quote.nav) : null;
  const rows = m.positions.map(
    (p) => `<tr data-asset="${esc(p.label)}">
      <td>${esc(p.label)}</td>
      <td class="n">${formatUnits(p.quantity, p.decimals, 6)}</td>
      <td class="n">${num(p.price, 2)}</td>
      <td class="n">${p.value === null ? '—' : formatUnits(BigInt(Math.round(p.value)), d, 2)}</td>
      <td class="n">${pct(p.weight)}</td>
      <td class="n">${pct(p.targetWeight)}</td>
      <td class="n">${p.target === null ? '—' : formatUnits(BigInt(Math.round(p.target)), d, 2)}</td>
    </tr>`,
  );
  rows.push(`<tr data-asset="base"><td>base (cash)</td><td class="n">${formatUnits(m.state.baseQuantity, d, 2)}</td>
    <td class="n">1.00</td><td class="n">${formatUnits(m.state.baseQuantity, d, 2)}</td><td class="n">${pct(baseWeight)}</td>
    <td class="n">—</td><td class="n">—</td></tr>`);
  $('holdings-body').innerHTML = rows.join('');
  $('risk-body').innerHTML = m.positions
    .map(
      (p) => `<tr data-asset="${esc(p.label)}">
      <td>${esc(p.label)}</td>
      <td class="n">${pct(p.budget)}</td>
      <td class="n">${pct(p.rcHoldings)}</td>
      <td class="n">${pct(p.rcTargets)}</td>
      <td class="n">${p.rcTargets === null ? '—' : pct(p.rcTargets - p.budget)}</td>
    </tr>`,
    )
    .join('');
}

function renderOracles(m: Model) {
  $('oracles-body').innerHTML = m.oracles
    .map((o) => {
      const p = o.price;
      const price = p ? Number(p.price) * 10 ** p.exponent : null;
      return `<tr data-asset="${esc(o.label)}" data-status="${o.status}">
        <td>${esc(o.label)}</td>
        <td class="n">${num(price, 4)}</td>
        <td class="n">${o.confBps === null ? '—' : `${o.confBps.toFixed(2)} bps`} <span class="dim">/ ${o.maxConfBps}</span></td>
        <td class="n">${o.ageSecs === null ? '—' : `${o.ageSecs} s`} <span class="dim">/ ${o.maxAge} s</span></td>
        <td><span class="badge ${o.status}">${o.status}</span></td>
      </tr>`;
    })
    .join('');
}

function renderRequests(m: Model, app: App) {
  const d = m.baseDecimals;
  const f = m.state.flows;
  $('queue-summary').textContent =
    `deposits: ${f.deposits.nextId - f.deposits.head} open, ${formatUnits(f.deposits.pending, d, 2)} base pending · ` +
    `withdrawals: ${f.withdrawals.nextId - f.withdrawals.head} open, ${formatUnits(f.withdrawals.pending, d, 2)} shares pending`;
  const me = app.connected?.address;
  $('requests-body').innerHTML =
    m.requests
      .map(({ address: a, state: r }) => {
        const deposit = r.kind === REQUEST_DEPOSIT;
        const owner = toAddress(r.owner);
        const mine = owner === me;
        const actions = mine
          ? `${r.claimable > 0n ? `<button data-claim="${a}">claim</button>` : ''}${r.pending > 0n ? `<button data-cancel="${a}">cancel</button>` : ''}`
          : '';
        return `<tr data-request="${a}">
        <td>${deposit ? 'deposit' : 'withdraw'} #${r.id}</td>
        <td title="${owner}">${mine ? 'you' : `${owner.slice(0, 4)}…${owner.slice(-4)}`}</td>
        <td class="n">${formatUnits(r.pending, d, 2)} ${deposit ? 'base' : 'shares'}</td>
        <td class="n">${formatUnits(r.claimable, d, 2)} ${deposit ? 'shares' : 'base'}</td>
        <td>${new Date(Number(r.createdAt) * 1000).toISOString().slice(11, 19)}</td>
        <td>${actions}</td>
      </tr>`;
      })
      .join('') || '<tr><td colspan="6" class="dim">no open requests</td></tr>';
}

function renderWallet(app: App) {
  const m = app.model;
  const c = app.connected;
  $('wallets').innerHTML = c
    ? ''
    : app.wallets.length
      ? app.wallets.map((w, i) => `<button data-wallet="${i}">Connect ${esc(w.name)}</button>`).join(' ')
      : '<span class="dim">no wallet found (a wallet-standard Solana wallet is needed)</span>';
  $('account').textContent = c ? `${c.wallet.name}: ${c.address}` : 'not connected';
  const h = m?.holder;
  const d = m?.baseDecimals ?? 6;
  $('my-base').textContent = h?.base === null || h?.base === undefined ? '—' : formatUnits(h.base, d);
  $('my-shares').textContent = h?.shares === null || h?.shares === undefined ? '—' : formatUnits(h.shares, d);
  $('my-shares').dataset.units = h?.shares?.toString() ?? '';
  $('my-value').textContent =
    h?.shares && m?.quote && m.quote.totalShares > 0n
      ? formatUnits((h.shares * m.quote.nav) / m.quote.totalShares, d, 2)
      : '—';
  for (const b of document.querySelectorAll<HTMLButtonElement>('.flows button')) b.disabled = !c || app.busy;
}

function render(app: App) {
  const m = app.model;
  if (m) {
    renderSummary(m);
    renderHoldings(m);
    renderOracles(m);
    renderRequests(m, app);
  }
  renderWallet(app);
  document.body.dataset.loaded = m ? 'true' : 'false';
}

async function refresh(app: App) {
  app.model = await load(app.rpc, app.vault, app.labels, app.connected?.address ?? null);
  render(app);
}

type Flow = 'deposit' | 'withdraw' | 'request-deposit' | 'request-withdraw';

/** The instructions of `flow` for `amount`, and what the program's rounding says it yields. */
async function build(app: App, flow: Flow, amount: bigint): Promise<{ ixs: Instruction[]; expect: string }> {
  const m = app.model!;
  const q = m.quote;
  if (!q) throw new Error(`no quote from the program: ${m.quoteError}`);
  const c = app.connected!;
  const signer = walletSigner(c);
  const h = m.holder!;
  const d = m.baseDecimals;
  const common = { vault: app.vault, state: m.state };
  switch (flow) {
    case 'deposit': {
      const dq = quoteDeposit(q, m.state, amount);
      const ixs = await depositInstructions({ ...common, user: signer, amount, minSharesOut: withSlippage(dq.shares, SLIPPAGE_BPS) });
      return { ixs, expect: `${formatUnits(dq.shares, d)} shares` };
    }
    case 'withdraw': {
      const wq = quoteWithdraw(q, m.state, amount);
      const ix = withdrawInstruction({
        ...common,
        user: signer,
        userBaseToken: h.baseAccount,
        userShareToken: h.shareAccount,
        shares: amount,
        minAmountOut: withSlippage(wq.amount, SLIPPAGE_BPS),
      });
      return { ixs: [ix], expect: `${formatUnits(wq.amount, d)} base` };
    }
    case 'request-deposit': {
      const rq = quoteRequestDeposit(q, m.state, amount);
      const r = await requestDepositInstruction({ ...common, owner: signer, ownerBaseToken: h.baseAccount, amount });
      return { ixs: [r.instruction], expect: `request #${r.id}, about ${formatUnits(rq.out, d)} shares at today's prices` };
    }
    case 'request-withdraw': {
      const rq = quoteRequestWithdraw(q, m.state, amount);
      const r = await requestWithdrawInstruction({ ...common, owner: signer, ownerShareToken: h.shareAccount, shares: amount });
      return { ixs: [r.instruction], expect: `request #${r.id}, about ${formatUnits(rq.out, d)} base at today's prices` };
    }
  }
}

async function run(app: App, what: string, make: () => Promise<{ ixs: Instruction[]; expect: string }>) {
  if (app.busy) return;
  app.busy = true;
  render(app);
  const before = app.model?.holder;
  try {
    status(`${what}: preparing…`);
    const { ixs, expect } = await make();
    status(`${what}: expected ${expect}; waiting for the wallet…`);
    const signature = await sendInstructions(app.rpc, walletSigner(app.connected!), ixs);
    await refresh(app);
    const after = app.model?.holder;
    const d = app.model!.baseDecimals;
    const delta = (a?: bigint | null, b?: bigint | null) => formatUnits((a ?? 0n) - (b ?? 0n), d);
    status(
      `${what} confirmed (${signature.slice(0, 8)}…): shares ${delta(after?.shares, before?.shares)}, base ${delta(after?.base, before?.base)}`,
      'ok',
    );
    $('status').dataset.signature = signature;
  } catch (e) {
    console.error(e);
    status(`${what} failed: ${describeError(e)}`, 'error');
  } finally {
    app.busy = false;
    render(app);
  }
}

async function main() {
  let cfg: ReturnType<typeof config>;
  try {
    cfg = config();
  } catch (e) {
    status(describeError(e), 'error');
    return;
  }
  $('endpoint').textContent = `${cfg.rpc} · vault ${cfg.vault}`;
  const app: App = {
    rpc: rpcFor(cfg.rpc),
    vault: cfg.vault,
    labels: cfg.labels,
    wallets: [],
    connected: null,
    model: null,
    busy: false,
  };
  watchWallets((ws) => {
    app.wallets = ws;
    renderWallet(app);
  });
  document.addEventListener('click', async (ev) => {
    const t = ev.target as HTMLElement;
    if (t.dataset.wallet !== undefined) {
      try {
        app.connected = await connect(app.wallets[Number(t.dataset.wallet)]!);
        status(`connected ${app.connected.address}`, 'ok');
        await refresh(app);
      } catch (e) {
        status(`wallet: ${describeError(e)}`, 'error');
      }
    } else if (t.dataset.flow) {
      const flow = t.dataset.flow as Flow;
      const input = $<HTMLInputElement>(flow.endsWith('deposit') ? 'deposit-amount' : 'withdraw-amount');
      await run(app, flow.replace('-', ' '), async () => build(app, flow, parseUnits(input.value, app.model!.baseDecimals)));
    } else if (t.dataset.claim || t.dataset.cancel) {
      const request = address((t.dataset.claim ?? t.dataset.cancel)!);
      const claim = Boolean(t.dataset.claim);
      await run(app, claim ? 'claim' : 'cancel request', async () => {
        const m = app.model!;
        const h = m.holder!;
        const a = {
          owner: walletSigner(app.connected!),
          vault: app.vault,
          state: m.state,
          request,
          ownerBaseToken: h.baseAccount,
          ownerShareToken: h.shareAccount,
        };
        return { ixs: [claim ? claimRequestInstruction(a) : cancelRequestInstruction(a)], expect: 'the request updated' };
      });
    }
  });
  const tick = async () => {
    if (!app.busy) {
      try {
        await refresh(app);
      } catch (e) {
        status(`cannot read the vault: ${describeError(e)}`, 'error');
      }
    }
    setTimeout(tick, REFRESH_MS);
  };
  await tick();
}

void main();
