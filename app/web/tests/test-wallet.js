// A wallet for the browser test, registered through the wallet standard's window events before
// the page loads (Playwright's init script). It holds one Ed25519 keypair (the depositor of
// `rpv-lab serve`) and signs with WebCrypto: `standard:connect`, `standard:events` and
// `solana:signTransaction` (legacy and v0 wire transactions). Plain JavaScript: the test reads
// this file as text and calls `installTestWallet({ secretKey, address })` in the page.
// Test-only: it signs whatever it is given.

// eslint-disable-next-line no-unused-vars
function installTestWallet({ secretKey, address, name = 'Test Wallet' }) {
  const seed = new Uint8Array(secretKey.slice(0, 32));
  const publicKey = new Uint8Array(secretKey.slice(32, 64));
  // PKCS#8 wrapping of an Ed25519 seed (RFC 8410)
  const pkcs8 = new Uint8Array([
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed,
  ]);
  const keyPromise = crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  const chains = ['solana:localnet', 'solana:devnet', 'solana:testnet', 'solana:mainnet'];
  const account = Object.freeze({
    address,
    publicKey,
    chains,
    features: ['solana:signTransaction'],
    label: name,
  });
  const listeners = { change: new Set() };
  let accounts = [];
  const signed = [];

  function shortVec(b, p) {
    let n = 0;
    for (let shift = 0; shift < 21; shift += 7) {
      const byte = b[p.i++];
      n |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
    }
    return n;
  }

  async function sign(wire) {
    const bytes = new Uint8Array(wire);
    const p = { i: 0 };
    const nSigs = shortVec(bytes, p);
    const sigStart = p.i;
    const msgStart = sigStart + 64 * nSigs;
    const message = bytes.subarray(msgStart);
    const m = { i: message[0] & 0x80 ? 1 : 0 };
    const required = message[m.i];
    m.i += 3;
    const nKeys = shortVec(message, m);
    let index = -1;
    for (let k = 0; k < nKeys && k < required; k++) {
      const key = message.subarray(m.i + 32 * k, m.i + 32 * (k + 1));
      if (key.every((x, j) => x === publicKey[j])) index = k;
    }
    if (index < 0) throw new Error(`${name}: ${address} is not a signer of this transaction`);
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, await keyPromise, message));
    const out = new Uint8Array(bytes);
    out.set(sig, sigStart + 64 * index);
    signed.push(address);
    return out;
  }

  const wallet = {
    version: '1.0.0',
    name,
    icon: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiLz48L3N2Zz4=',
    chains,
    get accounts() {
      return accounts;
    },
    features: {
      'standard:connect': {
        version: '1.0.0',
        async connect() {
          accounts = [account];
          for (const l of listeners.change) l({ accounts });
          return { accounts };
        },
      },
      'standard:disconnect': {
        version: '1.0.0',
        async disconnect() {
          accounts = [];
          for (const l of listeners.change) l({ accounts });
        },
      },
      'standard:events': {
        version: '1.0.0',
        on(event, listener) {
          (listeners[event] ??= new Set()).add(listener);
          return () => listeners[event].delete(listener);
        },
      },
      'solana:signTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        async signTransaction(...inputs) {
          return Promise.all(inputs.map(async (input) => ({ signedTransaction: await sign(input.transaction) })));
        },
      },
    },
  };
  window.__testWallet = { signed };

  const callback = ({ register }) => register(wallet);
  // the app may already be listening …
  window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }));
  // … or announce itself later
  window.addEventListener('wallet-standard:app-ready', (e) => callback(e.detail));
}
