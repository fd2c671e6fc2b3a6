// walletkit's cross-check oracle: TRON's own SDK (npm tronweb) builds and signs offline.
// Reads JSON requests, one per line, on stdin; writes one JSON answer per line on stdout.
// Offline: every builder call gets all four block-header fields and txLocal: true.
'use strict';
const path = require('path');
const readline = require('readline');
const { TronWeb } = require(process.env.TRONWEB_PATH || 'tronweb');

// The host is never contacted: txLocal builds locally and sign() is local.
const tronWeb = new TronWeb({ fullHost: 'http://127.0.0.1:9' });

async function build(req) {
  const tb = tronWeb.transactionBuilder;
  const opts = { blockHeader: req.header, txLocal: true };
  const p = req.params;
  switch (req.kind) {
    case 'trx': return tb.sendTrx(p.to, p.amount, p.from, opts);
    case 'trc10': return tb.sendToken(p.to, p.amount, p.token_id, p.from, opts);
    case 'trc20': {
      const r = await tb.triggerSmartContract(p.contract, 'transfer(address,uint256)',
        { ...opts, feeLimit: p.fee_limit }, [{ type: 'address', value: p.to }, { type: 'uint256', value: p.amount }], p.from);
      return r.transaction;
    }
    case 'freeze': return tb.freezeBalanceV2(p.amount, p.resource, p.from, opts);
    case 'unfreeze': return tb.unfreezeBalanceV2(p.amount, p.resource, p.from, opts);
    case 'delegate': return tb.delegateResource(p.amount, p.to, p.resource, p.from, p.lock, p.lock_period, opts);
    case 'undelegate': return tb.undelegateResource(p.amount, p.to, p.resource, p.from, opts);
    case 'withdraw': return tb.withdrawExpireUnfreeze(p.from, opts);
    case 'vote': return tb.vote(p.votes, p.from, opts);
    default: throw new Error('unknown kind ' + req.kind);
  }
}

async function handle(req) {
  if (req.op === 'tx') {
    const tx = await build(req);
    const signed = await tronWeb.trx.sign(tx, req.key);
    return { raw_data_hex: signed.raw_data_hex, txID: signed.txID, signature: signed.signature[0] };
  }
  if (req.op === 'sign_message') return { signature: await tronWeb.trx.signMessageV2(req.message, req.key) };
  if (req.op === 'sign_typed_data') return { signature: tronWeb.trx._signTypedData(req.domain, req.types, req.value, req.key) };
  if (req.op === 'verify_typed_data') {
    return { ok: tronWeb.trx.verifyTypedData(req.domain, req.types, req.value, req.signature, req.address) };
  }
  if (req.op === 'verify_message') return { address: await tronWeb.trx.verifyMessageV2(req.message, req.signature) };
  if (req.op === 'bench_trc20') {
    const p = req.params; const t0 = process.hrtime.bigint(); let n = 0;
    while (Number(process.hrtime.bigint() - t0) / 1e9 < req.seconds) {
      const r = await tronWeb.transactionBuilder.triggerSmartContract(p.contract, 'transfer(address,uint256)',
        { blockHeader: req.header, txLocal: true, feeLimit: p.fee_limit },
        [{ type: 'address', value: p.to }, { type: 'uint256', value: p.amount }], p.from);
      await tronWeb.trx.sign(r.transaction, req.key); n++;
    }
    return { ops_per_s: n / (Number(process.hrtime.bigint() - t0) / 1e9) };
  }
  throw new Error('unknown op ' + req.op);
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let out;
    try { out = await handle(JSON.parse(line)); } catch (e) { out = { error: String(e && e.message || e) }; }
    process.stdout.write(JSON.stringify(out) + '\n');
  });
});
void path;
