/**
 * The page end to end in a real browser: Debian's Chromium, headless, driven by
 * `playwright-core` (no browser download), against `rpv-lab serve` (the built `.so` in the
 * embedded SVM behind its JSON-RPC endpoint). A test wallet registered through the wallet
 * standard signs with the served depositor's key; the served keeper cranks the vault every 2 s.
 * The page must render the program's NAV, the holdings, the oracles; a deposit through the page
 * must change the on-chain share balance (read here over RPC, not from the page) by exactly what
 * the program minted in that transaction (its `Deposited` event, from `getTransaction`), and
 * the page must then show that balance; a deposit request must appear in the page's queue, be
 * settled by the keeper, and its claim through the page mint what the settlement made
 * claimable; a refusal must be named.
 *
 * Needs: `npm run build` (dist/), the `rpv-lab` binary (`cargo build -p rpv-lab`, or
 * $RPV_LAB_BIN), the built program, /usr/bin/chromium (or $CHROMIUM). Screenshots go to
 * target/web/ at the workspace root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { address, createSolanaRpc, getBase64Encoder, type Signature } from '@solana/kit';
import { decodeRequestState, fetchVaultState, parseEvents, simulateVaultQuote } from '@rpv/client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '..');
const root = resolve(web, '../..');
const artifacts = join(root, 'target/web');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const labBin = process.env.RPV_LAB_BIN ?? join(root, 'target/debug/rpv-lab');

type Served = {
  rpc: string;
  vault: string;
  shareMint: string;
  depositor: { address: string; baseAccount: string; shareAccount: string; keypair: number[] };
  assets: { symbol: string; price: number; priceExponent: number }[];
};

let lab: ChildProcess;
let served: Served;
let site: Server;
let siteUrl: string;
let context: BrowserContext;
let page: Page;
let profile: string;

/** Starts `rpv-lab serve` on a free port; resolves once it printed its URL. */
async function startLab(out: string): Promise<void> {
  // a keeper every 2 s: rebalances (the holdings) and settles the page's request
  lab = spawn(labBin, ['serve', '--port', '0', '--keeper-secs', '2', '--out', out], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`rpv-lab serve did not start in 60 s:\n${log}`)), 60_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      if (/http:\/\/127\.0\.0\.1:\d+/.test(log)) {
        clearTimeout(timer);
        ok();
      }
    };
    lab.stdout!.on('data', onData);
    lab.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    lab.on('exit', (code) => fail(new Error(`rpv-lab serve exited (${code}):\n${log}`)));
  });
  served = JSON.parse(readFileSync(out, 'utf8')) as Served;
}

/** Serves dist/ (the built page) on a free port. */
async function startSite(): Promise<void> {
  const dist = join(web, 'dist');
  assert.ok(existsSync(join(dist, 'index.html')), 'dist/index.html missing: run `npm run build` first');
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.svg': 'image/svg+xml',
    '.json': 'application/json',
  };
  site = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = resolve(dist, `.${path}`);
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => site.listen(0, '127.0.0.1', ok));
  const a = site.address();
  siteUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  await startLab(join(artifacts, `serve-${process.pid}.json`));
  await startSite();
  profile = mkdtempSync(join(tmpdir(), 'rpv-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 1400 },
  });
  const wallet = readFileSync(join(here, 'test-wallet.js'), 'utf8');
  const args = { secretKey: served.depositor.keypair, address: served.depositor.address };
  await context.addInitScript({ content: `${wallet}\ninstallTestWallet(${JSON.stringify(args)});` });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[page] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
});

after(async () => {
  await context?.close();
  site?.close();
  lab?.kill('SIGTERM');
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const rpc = () => createSolanaRpc(served.rpc);

async function onChainShares(): Promise<bigint> {
  const { value } = await rpc().getTokenAccountBalance(address(served.depositor.shareAccount)).send();
  return BigInt(value.amount);
}

/** The shares the program minted in the landed transaction `signature` (its `Deposited` event). */
async function mintedBy(signature: string): Promise<bigint> {
  const tx = await rpc()
    .getTransaction(signature as Signature, { encoding: 'base64', maxSupportedTransactionVersion: 0 })
    .send();
  assert.ok(tx?.meta, `the node has the transaction ${signature}`);
  assert.equal(tx.meta.err, null);
  const deposited = parseEvents(tx.meta.logMessages ?? []).find((e) => e.name === 'Deposited');
  assert.ok(deposited, 'the deposit emitted Deposited');
  return (deposited.data as { shares: bigint }).shares;
}

/** A flow request's state, read over RPC. */
async function requestState(request: string) {
  const { value } = await rpc().getAccountInfo(address(request), { encoding: 'base64' }).send();
  assert.ok(value, `request ${request} exists`);
  return decodeRequestState(getBase64Encoder().encode(value.data[0]));
}

/** Waits for the page's status to say `what` confirmed or failed. */
async function settled(what: string): Promise<void> {
  await page.waitForFunction(
    (w) => new RegExp(`^${w} (confirmed|failed)`).test(document.getElementById('status')?.textContent ?? ''),
    what,
    { timeout: 30_000 },
  );
}

const text = async (id: string) => (await page.locator(`#${id}`).textContent())?.trim() ?? '';

test('the page shows the vault, and a deposit through the wallet lands on chain', async () => {
  const labels = served.assets.map((a) => a.symbol).join(',');
  await page.goto(`${siteUrl}/?rpc=${encodeURIComponent(served.rpc)}&vault=${served.vault}&labels=${labels}`);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });

  // NAV and share price: the program's own quote, as the page formats it
  const q = await simulateVaultQuote(rpc(), {
    vault: address(served.vault),
    state: await fetchVaultState(rpc(), address(served.vault)),
    payer: address(served.depositor.address),
  });
  // (the served keeper trades at the oracles' confidence bounds meanwhile: NAV moves by basis points)
  const navShown = Number((await text('nav')).replace(/,/g, ''));
  const navProgram = Number(q.nav) / 1e6;
  assert.ok(Math.abs(navShown - navProgram) < navProgram * 1e-3, `NAV shown ${navShown}, program ${navProgram}`);
  assert.match(await text('share-price'), /^\d+\.\d{6}$/);
  // holdings: one row per asset and the base; oracles all healthy
  for (const a of served.assets) {
    await page.locator(`#holdings-body tr[data-asset="${a.symbol}"]`).waitFor();
    const oracle = page.locator(`#oracles-body tr[data-asset="${a.symbol}"]`);
    assert.equal(await oracle.getAttribute('data-status'), 'ok');
    // the page's Pyth decoding: the price the serve publishes
    const published = (a.price * 10 ** a.priceExponent).toLocaleString('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 });
    assert.equal((await oracle.locator('td').nth(1).textContent())?.trim(), published);
    assert.match((await page.locator(`#risk-body tr[data-asset="${a.symbol}"] td`).nth(1).textContent()) ?? '', /%/);
  }
  assert.equal(await page.locator('#holdings-body tr').count(), served.assets.length + 1);
  assert.match(await text('vol-target'), /\d+\.\d{2} %/);
  await page.screenshot({ path: join(artifacts, '01-loaded.png'), fullPage: true });

  // connect the test wallet
  await page.getByRole('button', { name: 'Connect Test Wallet' }).click();
  await page.waitForFunction(
    (a) => document.getElementById('account')?.textContent?.includes(a),
    served.depositor.address,
  );
  await page.waitForFunction(() => document.getElementById('my-base')?.textContent === '100,000');

  // deposit 2,500 base through the page
  const before = await onChainShares();
  await page.fill('#deposit-amount', '2500');
  await page.getByRole('button', { name: 'Deposit now' }).click();
  await settled('deposit');
  assert.equal(await page.locator('#status').getAttribute('data-kind'), 'ok', await text('status'));
  const signature = (await page.locator('#status').getAttribute('data-signature')) ?? '';
  const expected = await mintedBy(signature);
  assert.ok(expected > 0n);
  const afterShares = await onChainShares();
  assert.equal(afterShares - before, expected, 'the share balance changed by what the program minted');
  // the page shows the new balance (it re-reads the chain after confirming)
  assert.equal(await page.locator('#my-shares').getAttribute('data-units'), afterShares.toString());
  assert.equal(await text('my-base'), '97,500');
  const signed = await page.evaluate(() => (window as unknown as { __testWallet: { signed: string[] } }).__testWallet.signed.length);
  assert.equal(signed, 1, 'the wallet signed exactly the deposit');
  await page.screenshot({ path: join(artifacts, '02-deposited.png'), fullPage: true });

  // a deposit request shows in the queue as the connected account's
  await page.fill('#deposit-amount', '100');
  await page.getByRole('button', { name: 'Request deposit' }).click();
  await settled('request deposit');
  assert.equal(await page.locator('#status').getAttribute('data-kind'), 'ok', await text('status'));
  const row = page.locator('#requests-body tr[data-request]');
  await row.first().waitFor();
  assert.match((await row.first().textContent()) ?? '', /deposit #0.*you/s);
  const request = (await row.first().getAttribute('data-request')) ?? '';
  assert.equal((await requestState(request)).pending, 100_000_000n);
  await page.screenshot({ path: join(artifacts, '03-requested.png'), fullPage: true });

  // the keeper settles it at the next prices; the page offers the claim, which mints the shares
  const claim = page.locator(`#requests-body button[data-claim="${request}"]`);
  await claim.waitFor({ timeout: 60_000 });
  const claimable = (await requestState(request)).claimable;
  assert.ok(claimable > 0n);
  const beforeClaim = await onChainShares();
  await claim.click();
  await settled('claim');
  assert.equal(await page.locator('#status').getAttribute('data-kind'), 'ok', await text('status'));
  assert.equal((await onChainShares()) - beforeClaim, claimable, 'the claim minted what the settlement made claimable');
  assert.equal(await page.locator('#my-shares').getAttribute('data-units'), (await onChainShares()).toString());
  await page.screenshot({ path: join(artifacts, '04-claimed.png'), fullPage: true });

  // the program agrees with the page's risk contributions: the keeper's risk-budget weights were
  // accepted (their contributions within the vault's tolerance of the budgets), and the page
  // computes the targets' contributions from the same covariance
  for (const a of served.assets) {
    const gap = (await page.locator(`#risk-body tr[data-asset="${a.symbol}"] td`).nth(4).textContent()) ?? '';
    assert.match(gap, /^-?0\.0[0-4] %$/, `${a.symbol}: targets' contribution − budget = ${gap}`);
  }

  // refusals are named: a deposit above the wallet's balance (refused by the token program in
  // preflight), then more shares than exist (refused by the program's rounding, before sending)
  await page.fill('#deposit-amount', '1000000');
  await page.getByRole('button', { name: 'Deposit now' }).click();
  await settled('deposit');
  assert.equal(await page.locator('#status').getAttribute('data-kind'), 'error');
  assert.match(await text('status'), /insufficient funds/, await text('status'));
  await page.fill('#withdraw-amount', '1000000000');
  await page.getByRole('button', { name: 'Withdraw now' }).click();
  await settled('withdraw');
  assert.equal(await page.locator('#status').getAttribute('data-kind'), 'error');
  assert.match(await text('status'), /withdraw failed: .*[A-Z][a-zA-Z]+/);
  await page.screenshot({ path: join(artifacts, '05-refused.png'), fullPage: true });
});
