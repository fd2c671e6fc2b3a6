"""What chains/tron/transaction.py and transfer.py must do, pinned against tronweb (issue 19).

The mutation run of the ``tron`` group found behaviours no test pinned: the default
expiration, ``fee_limit`` and the memo in the broadcast JSON, the ref-block sizes, the
time bounds, the memo's place in raw_data, the 500 KiB limit. Each is checked here against
an expected value walletkit did not compute:

- TRON's own SDK, npm ``tronweb`` run by node (the module below drives it through
  ``utils.transaction.txJsonToPb``, the same JSON-to-protobuf step a node takes on
  /wallet/broadcasttransaction, ``transactionBuilder.addUpdateData`` for a memo, and
  ``utils.deserializeTx`` to read raw_data back);
- protobuf bytes and sizes written out by hand in the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

import walletkit as wk
from chains.tron import contracts
from chains.tron.address import parse_address
from chains.tron.transaction import TronTransaction, broadcast_json
from chains.tron.transfer import trc20_transfer_data
from chains.tron.tronweb import tronweb_path
from walletkit.errors import InvalidInput, InvalidTransaction

KEY = "0b" * 32
ME = wk.Account.from_private_key("tron", KEY)
OTHER = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
TS = 1_700_000_000_000
HEADER: dict[str, Any] = {"ref_block_bytes": "b801", "ref_block_hash": "0e2bc08d550f5f58", "timestamp": TS}
INT64_MAX = 2**63 - 1

# One node process, JSON lines in and out. Every call is offline (txLocal, all four header fields).
JS = r"""
'use strict';
const readline = require('readline');
const { TronWeb, utils } = require(process.env.TRONWEB_PATH);
const tronWeb = new TronWeb({ fullHost: 'http://127.0.0.1:9' });

async function build(req) {
  const tb = tronWeb.transactionBuilder;
  const opts = { blockHeader: req.header, txLocal: true };
  const p = req.params;
  let tx;
  if (req.kind === 'trx') tx = await tb.sendTrx(p.to, p.amount, p.from, opts);
  else if (req.kind === 'trc10') tx = await tb.sendToken(p.to, p.amount, p.token_id, p.from, opts);
  else {
    const r = await tb.triggerSmartContract(p.contract, 'transfer(address,uint256)', { ...opts, feeLimit: p.fee_limit },
      [{ type: 'address', value: p.to }, { type: 'uint256', value: p.amount }], p.from);
    tx = r.transaction;
  }
  if (req.memo_hex) tx = await tb.addUpdateData(tx, req.memo_hex, 'hex', { txLocal: true });
  return tx;
}

async function handle(req) {
  if (req.op === 'signed') return await tronWeb.trx.sign(await build(req), req.key);
  if (req.op === 'recompute') {
    // What a node does with the JSON of /wallet/broadcasttransaction: raw_data from the JSON fields.
    const pb = utils.transaction.txJsonToPb(req.tx);
    return { raw_data_hex: utils.transaction.txPbToRawDataHex(pb).toLowerCase(),
             txID: utils.transaction.txPbToTxID(pb).replace(/^0x/, ''), check: utils.transaction.txCheck(req.tx) };
  }
  if (req.op === 'decode') return utils.deserializeTx.deserializeTransaction(req.type, req.raw_data_hex);
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
"""


class TronWeb:
    """tronweb in a node process: ``call(dict) -> dict``."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise wk.errors.EngineError("these tests need node (Node.js) to run tronweb")
        self.process = subprocess.Popen(
            [node, "-e", JS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, TRONWEB_PATH=str(tronweb_path())),
        )

    def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(payload) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise wk.errors.EngineError(answer["error"])
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def tronweb() -> Iterator[TronWeb]:
    engine = TronWeb()
    yield engine
    engine.close()


def _signed_by_tronweb(
    tronweb: TronWeb, kind: str, header: dict[str, Any], memo: bytes = b"", **params: Any
) -> dict[str, Any]:
    request = {
        "op": "signed",
        "kind": kind,
        "params": {"from": ME.address, **params},
        "header": header,
        "key": KEY,
        "memo_hex": memo.hex(),
    }
    return tronweb.call(request)


def _varint(value: int) -> bytes:
    """Protobuf's base-128 varint, low group first, high bit set on all but the last byte."""
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(out + bytes([value]))


def _ours(signed: wk.SignedTransaction) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(broadcast_json(signed))
    return body


# --- the default expiration ---------------------------------------------------------------


def test_default_expiration_is_the_timestamp_plus_60_seconds(tronweb: TronWeb) -> None:
    # tronweb's getCurrentRefBlockParams: expiration = block timestamp + 60 * 1000.
    tx = ME.transfer(OTHER, 5, **HEADER)
    assert tx.expiration == 1_700_000_060_000  # type: ignore[attr-defined]
    theirs = _signed_by_tronweb(tronweb, "trx", {**HEADER, "expiration": TS + 60 * 1000}, to=OTHER, amount=5)
    ours = _ours(ME.sign(tx))
    assert ours["raw_data_hex"] == theirs["raw_data_hex"]
    assert ours["txID"] == theirs["txID"]
    assert ours["raw_data"]["expiration"] == theirs["raw_data"]["expiration"] == 1_700_000_060_000


def test_default_expiration_past_int64_is_refused() -> None:
    # timestamp 2^63-1 is valid, but its default expiration 2^63-1 + 60,000 is past int64.
    with pytest.raises(InvalidTransaction, match=r"^expiration is a time in milliseconds"):
        ME.transfer(OTHER, 5, **{**HEADER, "timestamp": INT64_MAX})
    built = ME.transfer(OTHER, 5, **{**HEADER, "timestamp": INT64_MAX - 60_000})
    assert built.expiration == INT64_MAX  # type: ignore[attr-defined]


# --- the broadcast JSON, as a node reads it ---------------------------------------------------


CASES: list[tuple[str, dict[str, Any], bytes]] = [
    ("trx", {"to": OTHER, "amount": 5}, b""),
    ("trx", {"to": OTHER, "amount": 7_000_001}, b"invoice 42"),
    ("trc10", {"to": OTHER, "amount": 3, "token_id": "1002000"}, b"\x00\xff memo"),
    ("trc20", {"to": OTHER, "amount": 10**18, "contract": USDT, "fee_limit": 15_000_000}, b""),
    ("trc20", {"to": OTHER, "amount": 1, "contract": USDT, "fee_limit": 1}, "päid ✓".encode()),
]


def _walletkit(kind: str, params: dict[str, Any], header: dict[str, Any], memo: bytes) -> wk.SignedTransaction:
    fields = dict(header, memo=memo) if memo else dict(header)
    if kind == "trx":
        tx = ME.transfer(params["to"], params["amount"], **fields)
    elif kind == "trc10":
        tx = ME.transfer(params["to"], params["amount"], token=params["token_id"], **fields)
    else:
        tx = ME.transfer(
            params["to"], params["amount"], token=params["contract"], fee_limit=params["fee_limit"], **fields
        )
    return ME.sign(tx)


@pytest.mark.parametrize(("kind", "params", "memo"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_broadcast_json_is_what_tronweb_signs(tronweb: TronWeb, kind: str, params: dict[str, Any], memo: bytes) -> None:
    header = {**HEADER, "expiration": TS + 3_600_000}
    signed = _walletkit(kind, params, header, memo)
    ours = _ours(signed)
    tw_params = dict(params, amount=str(params["amount"])) if kind == "trc20" else params
    theirs = _signed_by_tronweb(tronweb, kind, header, memo, **tw_params)
    # The bytes: raw_data (memo in its field-number place), txID and the signature.
    assert ours["raw_data_hex"] == theirs["raw_data_hex"]
    assert ours["txID"] == theirs["txID"] == signed.txid
    assert [s.lower() for s in ours["signature"]] == [s.lower() for s in theirs["signature"]]
    assert ours["visible"] is theirs["visible"] is False
    assert set(ours) == set(theirs)
    # The header fields of the JSON a node rebuilds raw_data from.
    for name in ("ref_block_bytes", "ref_block_hash", "expiration", "timestamp", "fee_limit", "data"):
        assert ours["raw_data"].get(name) == theirs["raw_data"].get(name), name
    assert ("fee_limit" in ours["raw_data"]) is (kind == "trc20")
    assert ("data" in ours["raw_data"]) is bool(memo)
    ours_contract, theirs_contract = ours["raw_data"]["contract"][0], theirs["raw_data"]["contract"][0]
    assert ours_contract["type"] == theirs_contract["type"]
    assert ours_contract["parameter"]["type_url"] == theirs_contract["parameter"]["type_url"]
    # The bytes for /wallet/broadcasthex, by hand: Transaction { raw_data = 1, signature = 2 }.
    raw_data, signature = bytes.fromhex(theirs["raw_data_hex"]), bytes.fromhex(theirs["signature"][0])
    assert signed.raw == b"\x0a" + _varint(len(raw_data)) + raw_data + b"\x12\x41" + signature
    assert signed.chain == "tron"
    kept = signed.extra["tx"]  # the unsigned transaction it signed, a view beside the bytes
    assert isinstance(kept, TronTransaction) and kept.raw_data() == raw_data
    # A node rebuilds raw_data from the JSON and hashes it: the same txID as ours.
    node = tronweb.call({"op": "recompute", "tx": ours})
    assert node == {"raw_data_hex": signed.extra["json"]["raw_data_hex"], "txID": signed.txid, "check": True}  # type: ignore[index]
    # And the raw bytes say what the JSON says (tronweb's protobuf decoder).
    decoded = tronweb.call({"op": "decode", "type": ours_contract["type"], "raw_data_hex": ours["raw_data_hex"]})
    assert decoded["data"].lower() == memo.hex()
    assert decoded["fee_limit"] == params.get("fee_limit", 0)
    assert (decoded["expiration"], decoded["timestamp"]) == (TS + 3_600_000, TS)
    assert (decoded["ref_block_bytes"].lower(), decoded["ref_block_hash"].lower()) == ("b801", "0e2bc08d550f5f58")


def test_broadcast_json_fee_limit_up_to_int64(tronweb: TronWeb) -> None:
    # A fee_limit past 2^53 (tronweb's numbers stop being exact there) is checked by hand:
    # raw_data field 18 (tag 18 << 3 | 0 = 0x90 0x01) with 2^63-1 as a varint, nine bytes.
    signed = ME.sign(ME.transfer(OTHER, 1, token=USDT, fee_limit=INT64_MAX, **HEADER))
    body = _ours(signed)
    assert body["raw_data"]["fee_limit"] == INT64_MAX
    assert body["raw_data_hex"].endswith("9001" + "ff" * 8 + "7f")
    # broadcast_json is compact JSON (no spaces), the form java-tron's HTTP API echoes.
    text = broadcast_json(signed)
    assert text == json.dumps(json.loads(text), separators=(",", ":"))
    # fee_limit 0 (valid: no energy may be burned) is left out of raw_data and of the JSON, as tronweb does.
    zero = ME.sign(ME.transfer(OTHER, 1, token=USDT, fee_limit=0, **HEADER))
    assert "fee_limit" not in _ours(zero)["raw_data"]
    assert tronweb.call({"op": "recompute", "tx": _ours(zero)})["txID"] == zero.txid


def test_default_trc20_fee_limit_is_100_trx() -> None:
    # DEFAULT_FEE_LIMIT: 100 TRX = 100,000,000 sun when none is given for a contract call; a TRX transfer has none.
    assert ME.transfer(OTHER, 1, token=USDT, **HEADER).fee_limit == 100_000_000  # type: ignore[attr-defined]
    assert ME.transfer(OTHER, 1, **HEADER).fee_limit == 0  # type: ignore[attr-defined]
    assert ME.transfer(OTHER, 1, token="1002000", **HEADER).fee_limit == 0  # type: ignore[attr-defined]


# --- the memo -----------------------------------------------------------------------------------


def test_memo_text_is_utf8_and_placed_as_tronweb_places_it(tronweb: TronWeb) -> None:
    header = {**HEADER, "expiration": TS + 60_000}
    text = "Grüße, 世界"
    signed = ME.sign(ME.transfer(OTHER, 9, memo=text, **header))
    theirs = _signed_by_tronweb(tronweb, "trx", header, text.encode("utf-8"), to=OTHER, amount=9)
    assert signed.txid == theirs["txID"]
    assert _ours(signed)["raw_data"]["data"] == text.encode("utf-8").hex()
    # By hand: field 10 (tag 0x52), its length, the bytes; after expiration (field 8), before the contract (11).
    raw = bytes.fromhex(_ours(signed)["raw_data_hex"])
    memo_field = b"\x52" + bytes([len(text.encode())]) + text.encode()
    assert raw.index(memo_field) < raw.index(b"\x5a")
    assert raw.index(b"\x40") < raw.index(memo_field)
    assert ME.transfer(OTHER, 9, memo=bytearray(b"ab"), **header).memo == b"ab"  # type: ignore[attr-defined]


@pytest.mark.parametrize("memo", [5, 1.5, ["a"], True])
def test_memo_of_another_type_is_refused(memo: object) -> None:
    with pytest.raises(InvalidTransaction, match=f"^memo is text or bytes, got {type(memo).__name__}$"):
        ME.transfer(OTHER, 5, memo=memo, **HEADER)


# --- the reference block ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("ref_block_bytes", 2), ("ref_block_hash", 8)])
def test_ref_block_sizes_are_checked(name: str, size: int) -> None:
    # tronweb: ref_block_bytes = the block number's last 2 bytes, ref_block_hash = bytes 8..16 of the block id.
    for wrong in (size - 1, size + 1, 0, 32):
        with pytest.raises(InvalidTransaction) as info:
            ME.transfer(OTHER, 5, **{**HEADER, name: "ab" * wrong})
        assert str(info.value) == f"{name} is {size} bytes ({2 * size} hex digits), got {wrong}"
    with pytest.raises(InvalidTransaction, match=f"^{name} is {size} bytes"):
        ME.transfer(OTHER, 5, **{**HEADER, name: bytes(size + 1)})
    forms = ["cd" * size, "0x" + "cd" * size, "0X" + "CD" * size, bytes([0xCD]) * size, bytearray([0xCD] * size)]
    built = {getattr(ME.transfer(OTHER, 5, **{**HEADER, name: form}), name) for form in forms}
    assert built == {bytes([0xCD]) * size}


@pytest.mark.parametrize("name", ["ref_block_bytes", "ref_block_hash"])
def test_ref_block_of_another_form_is_refused(name: str) -> None:
    with pytest.raises(InvalidTransaction) as info:
        ME.transfer(OTHER, 5, **{**HEADER, name: "zz" * 8})
    assert str(info.value) == f"{name} must be hex, got {'zz' * 8!r}"
    for value in (12, 1.5):
        with pytest.raises(InvalidTransaction, match=f"^{name} is required offline as hex"):
            ME.transfer(OTHER, 5, **{**HEADER, name: value})


# --- the times ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["timestamp", "expiration"])
def test_times_are_int64_milliseconds_above_zero(name: str, tronweb: TronWeb) -> None:
    header = {**HEADER, "expiration": TS + 60_000}
    for bad in (0, -1, INT64_MAX + 1, True, False, 1.0, "1700000000000"):
        with pytest.raises(InvalidTransaction) as info:
            ME.transfer(OTHER, 5, **{**header, name: bad})
        assert str(info.value) == f"{name} is a time in milliseconds (an integer), got {bad!r}"
    # 1 and 2^63-1 are built: raw_data has the varint by hand (field 8 tag 0x40, field 14 tag 0x70).
    tag = {"expiration": "40", "timestamp": "70"}[name]
    low = ME.sign(ME.transfer(OTHER, 5, **{**header, name: 1}))
    assert tag + "01" in _ours(low)["raw_data_hex"]
    high = ME.sign(ME.transfer(OTHER, 5, **{**header, name: INT64_MAX}))
    assert tag + "ff" * 8 + "7f" in _ours(high)["raw_data_hex"]
    # tronweb reads back what was written.
    decoded = tronweb.call({"op": "decode", "type": "TransferContract", "raw_data_hex": _ours(low)["raw_data_hex"]})
    assert decoded[name] == 1


def test_fee_limit_bounds() -> None:
    for bad in (-1, INT64_MAX + 1, True, 1.5, "100"):
        with pytest.raises(InvalidTransaction) as info:
            ME.transfer(OTHER, 5, token=USDT, fee_limit=bad, **HEADER)
        assert str(info.value) == f"fee_limit is an integer of sun, got {bad!r}"
    assert ME.transfer(OTHER, 5, token=USDT, fee_limit=INT64_MAX, **HEADER).fee_limit == INT64_MAX  # type: ignore[attr-defined]


# --- java-tron's 500 KiB limit --------------------------------------------------------------------


def test_the_size_limit_is_exact(tronweb: TronWeb) -> None:
    # java-tron (Manager.validateCommon) refuses a transaction whose serialized size plus room for two
    # results (2 x 64 bytes) is over TRANSACTION_MAX_BYTE_SIZE = 500 x 1024 = 512,000 bytes. By hand:
    #   Transaction = 0x0a, varint(len(raw_data)), raw_data, 0x12, 0x41, 65 signature bytes
    #   weighed = 1 + 3 + len(raw_data) + 2 + 65 + 128 = len(raw_data) + 199   (raw_data < 2^21 bytes)
    # raw_data with a memo of L bytes (16,384 <= L < 2^21) = raw_data without it + 1 (tag) + 3 (varint L) + L.
    header = {**HEADER, "expiration": TS + 60_000}
    bare = len(bytes.fromhex(_signed_by_tronweb(tronweb, "trx", header, to=OTHER, amount=5)["raw_data_hex"]))
    largest = 512_000 - 199 - bare - 4
    tx = ME.transfer(OTHER, 5, memo=b"m" * largest, **header)
    assert len(ME.sign(tx).raw) == 512_000 - 128
    with pytest.raises(InvalidTransaction) as info:
        ME.transfer(OTHER, 5, memo=b"m" * (largest + 1), **header)
    assert "would be 512001 bytes with its results; java-tron refuses more than 512000" in str(info.value)
    assert "Too big transaction" in str(info.value)


def test_a_large_call_without_a_memo_is_weighed_too() -> None:
    # The limit holds for call data as for a memo: 512,000 bytes of TriggerSmartContract data cannot fit.
    owner, usdt = parse_address(ME.address), parse_address(USDT)
    header = {**HEADER, "expiration": TS + 60_000}
    fits = contracts.trigger_smart_contract(owner, usdt, b"\x01" * 450_000)
    assert TronTransaction.build(fits, **header).contract is fits
    too_big = contracts.trigger_smart_contract(owner, usdt, b"\x01" * 512_000)
    with pytest.raises(InvalidTransaction, match="Too big transaction"):
        TronTransaction.build(too_big, **header)


# --- transfer.py: header fields, TRC-20 data, the signer's owner check -----------------------------


def test_header_field_names_are_checked() -> None:
    with pytest.raises(InvalidInput) as info:
        ME.transfer(OTHER, 5, gas=1, nonce=2, **HEADER)
    assert str(info.value) == (
        "unknown TRON field(s) gas, nonce; expected ref_block_bytes, ref_block_hash, expiration, timestamp, "
        "fee_limit, memo"
    )
    with pytest.raises(InvalidTransaction) as missing:
        ME.transfer(OTHER, 5, expiration=TS)
    assert str(missing.value) == (
        "ref_block_bytes, ref_block_hash, timestamp required offline (from a recent block); "
        "connect a client to fill them"
    )
    with pytest.raises(InvalidTransaction, match=r"^ref_block_hash required offline"):
        ME.transfer(OTHER, 5, **{**HEADER, "ref_block_hash": None})


def test_trc20_data_is_the_abi_call() -> None:
    # transfer(address,uint256): selector a9059cbb, the 20-byte address left-padded, the amount as uint256.
    for amount in (0, 1, 2**256 - 1):
        tx = ME.transfer(OTHER, amount, token=USDT, **HEADER)
        data = bytes.fromhex(tx.contract.json_value["data"])  # type: ignore[attr-defined]
        expected = "a9059cbb" + "00" * 12 + parse_address(OTHER)[1:].hex() + amount.to_bytes(32, "big").hex()
        assert data.hex() == expected
    with pytest.raises(wk.errors.InvalidAmount) as info:
        ME.transfer(OTHER, 2**256, token=USDT, **HEADER)
    assert str(info.value) == f"a TRC-20 amount is in 0..2^256-1, got {2**256}"
    with pytest.raises(wk.errors.InvalidAmount, match=r"^a TRC-20 amount is in 0\.\.2\^256-1, got -1$"):
        trc20_transfer_data(parse_address(OTHER), -1)  # the account refuses a negative amount before this


def test_trc10_ids_and_contract_addresses_are_told_apart() -> None:
    # A TRC-10 id is an int64 (at most 19 digits); a hex address of 42 digits is a TRC-20 contract.
    trc10 = ME.transfer(OTHER, 5, token="9223372036854775807", **HEADER)
    assert trc10.contract.type_name == "TransferAssetContract"  # type: ignore[attr-defined]
    as_hex = ME.transfer(OTHER, 5, token=parse_address(USDT).hex(), **HEADER)
    assert as_hex.contract.type_name == "TriggerSmartContract"  # type: ignore[attr-defined]
    with pytest.raises(wk.errors.InvalidAddress):
        ME.transfer(OTHER, 5, token="92233720368547758070", **HEADER)  # 20 digits: no id, no address


def test_a_foreign_transaction_is_not_signed() -> None:
    other = wk.Account.from_private_key("tron", "0c" * 32)
    tx = other.transfer(OTHER, 5, **HEADER)
    with pytest.raises(InvalidTransaction) as info:
        ME.sign(tx)
    owner = parse_address(other.address).hex()
    assert str(info.value) == f"this transaction's owner is {owner}, not the account {ME.address}"
    with pytest.raises(InvalidTransaction, match=r"^expected a TronTransaction \(from account\.transfer\), got bytes$"):
        ME.sign(b"raw")  # type: ignore[arg-type]


def test_transaction_build_defaults() -> None:
    # TronTransaction.build straight: fee_limit 0 and no memo by default; raw_data by hand for a
    # TransferContract: 0a 02 <ref bytes> 22 08 <ref hash> 40 <expiration> 5a ... 70 <timestamp>.
    contract = contracts.transfer(parse_address(ME.address), parse_address(OTHER), 5)
    tx = TronTransaction.build(contract, ref_block_bytes="b801", ref_block_hash="0e2bc08d550f5f58", timestamp=1)
    assert (tx.fee_limit, tx.memo, tx.expiration) == (0, b"", 60_001)
    raw = tx.raw_data()
    # 60,001 = 0x61 + 0x54 * 2^7 + 3 * 2^14: varint e1 d4 03
    assert raw.startswith(bytes.fromhex("0a02b80122080e2bc08d550f5f5840e1d403"))
    assert raw.endswith(b"\x70\x01")
