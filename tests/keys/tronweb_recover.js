// A test helper: TRON's own SDK (npm tronweb, run by node) checks a transaction signed elsewhere.
// Reads one JSON request on stdin: {kind: "trx" | "trc20", params, header, signature}. tronweb builds the
// same transaction offline (txLocal), then recovers the signer of the given signature over its txID
// (trx.ecRecover, which first checks txID = SHA-256(raw_data)). Writes {raw_data_hex, txID, signer}.
'use strict';
const { TronWeb } = require(process.env.TRONWEB_PATH || 'tronweb');

const tronWeb = new TronWeb({ fullHost: 'http://127.0.0.1:9' }); // never contacted: txLocal builds locally

async function build(req) {
  const tb = tronWeb.transactionBuilder;
  const opts = { blockHeader: req.header, txLocal: true };
  const p = req.params;
  if (req.kind === 'trx') return tb.sendTrx(p.to, p.amount, p.from, opts);
  const r = await tb.triggerSmartContract(p.contract, 'transfer(address,uint256)', { ...opts, feeLimit: p.fee_limit },
    [{ type: 'address', value: p.to }, { type: 'uint256', value: p.amount }], p.from);
  return r.transaction;
}

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  try {
    const req = JSON.parse(input);
    const tx = await build(req);
    tx.signature = [req.signature];
    const signer = tronWeb.trx.ecRecover(tx);
    process.stdout.write(JSON.stringify({ raw_data_hex: tx.raw_data_hex, txID: tx.txID, signer }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }) + '\n');
  }
});
