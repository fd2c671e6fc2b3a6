// EIP-712 oracles for walletkit's tests: MetaMask's @metamask/eth-sig-util (signTypedData V4) and
// ethers (TypedDataEncoder). One JSON request per line on stdin, one JSON answer per line on stdout.
'use strict';
const readline = require('readline');
const path = require('path');
const modules = process.env.NODE_MODULES;
const sigUtil = require(path.join(modules, '@metamask/eth-sig-util'));
const { TypedDataEncoder } = require(path.join(modules, 'ethers'));

function handle(req) {
  const doc = req.doc;
  if (req.op === 'sigutil') {
    const digest = sigUtil.TypedDataUtils.eip712Hash(doc, sigUtil.SignTypedDataVersion.V4);
    const signature = sigUtil.signTypedData({
      privateKey: Buffer.from(req.key, 'hex'), data: doc, version: sigUtil.SignTypedDataVersion.V4,
    });
    return { digest: '0x' + Buffer.from(digest).toString('hex'), signature };
  }
  if (req.op === 'ethers') {
    // ethers takes the types without EIP712Domain and makes the domain type from the domain's keys.
    const types = { ...doc.types };
    delete types.EIP712Domain;
    return { digest: TypedDataEncoder.hash(doc.domain, types, doc.message) };
  }
  throw new Error('unknown op ' + req.op);
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let out;
  try { out = handle(JSON.parse(line)); } catch (e) { out = { error: String((e && e.message) || e).slice(0, 300) }; }
  process.stdout.write(JSON.stringify(out) + '\n');
});
