"""The TRON HTTP client against a local server speaking the API's documented JSON shapes.

No TRON node can run here, so this server is a test helper, said plainly: it answers
getnowblock, getaccount, triggerconstantcontract, broadcasttransaction and
gettransactioninfobyid from an in-memory ledger, and checks each broadcast the way a
node would (txID = SHA-256(raw_data_hex), the signature recovers to the owner). The
signing path itself is proven against tronweb in test_tronweb.py.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import coincurve
import pytest

import walletkit as wk
from chains.tron.address import address_of, parse_address

BLOCK = {
    "blockID": "0000000003c6f2b8" + "a1b2c3d4e5f60718" + "00" * 16,
    "block_header": {"raw_data": {"number": 63369912, "timestamp": 1_700_000_000_000}},
}


GENESIS = "0000000000000000" + "ab" * 24


class Ledger:
    def __init__(self) -> None:
        self.balances: dict[str, int] = {}
        self.tokens: dict[tuple[str, str], int] = {}
        self.seen: dict[str, dict[str, Any]] = {}


def _handler(ledger: Ledger) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            answer = self.route(self.path, body)
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def route(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            if path == "/wallet/getnowblock":
                return BLOCK
            if path == "/wallet/getblockbynum":
                return {"blockID": GENESIS} if body.get("num") == 0 else {}
            if path == "/wallet/getaccount":
                balance = ledger.balances.get(body["address"], 0)
                return {"address": body["address"], "balance": balance} if balance else {}
            if path == "/wallet/triggerconstantcontract":
                if body["function_selector"] == "balanceOf(address)":
                    held = ledger.tokens.get((body["contract_address"], body["owner_address"]), 0)
                    return {"result": {"result": True}, "constant_result": [held.to_bytes(32, "big").hex()]}
                return {"result": {"result": True}, "energy_used": 14650, "constant_result": ["00" * 31 + "01"]}
            if path == "/wallet/broadcasttransaction":
                raw = bytes.fromhex(body["raw_data_hex"])
                digest = hashlib.sha256(raw).digest()
                if digest.hex() != body["txID"]:
                    return {"result": False, "code": "SIGERROR", "message": b"txid mismatch".hex()}
                sig = bytes.fromhex(body["signature"][0])
                public = coincurve.PublicKey.from_signature_and_message(
                    sig[:64] + bytes([sig[64] - 27]), digest, hasher=None
                )
                owner = body["raw_data"]["contract"][0]["parameter"]["value"]["owner_address"]
                if address_of(public.format(False)) != wk.validate_address("tron", owner):
                    return {"result": False, "code": "SIGERROR", "message": b"bad signature".hex()}
                if body["txID"] in ledger.seen:
                    return {"result": False, "code": "DUP_TRANSACTION_ERROR", "message": b"dup transaction".hex()}
                ledger.seen[body["txID"]] = body
                return {"result": True, "txid": body["txID"]}
            if path == "/wallet/gettransactioninfobyid":
                if body["value"] in ledger.seen:
                    return {"id": body["value"], "blockNumber": 63369913, "receipt": {"result": "SUCCESS"}}
                return {}
            return {"Error": f"unknown path {path}"}

    return Handler


@pytest.fixture
def node() -> Iterator[tuple[str, Ledger]]:
    ledger = Ledger()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ledger))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", ledger
    finally:
        server.shutdown()
        server.server_close()


def test_send_trx_fills_reference_block(node: tuple[str, Ledger]) -> None:
    url, ledger = node
    account = wk.Wallet.from_mnemonic("abandon " * 11 + "about").account("tron")
    ledger.balances[account.address] = 5_000_000
    client = wk.connect("tron", url)
    txid = account.connect(client).send("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 1_000_000)
    sent = ledger.seen[txid]["raw_data"]
    assert sent["ref_block_bytes"] == (63369912 & 0xFFFF).to_bytes(2, "big").hex()
    assert sent["ref_block_hash"] == "a1b2c3d4e5f60718"
    assert sent["expiration"] == 1_700_000_000_000 + 60_000
    assert client.balance(account.address) == 5_000_000


def test_trc20_balance_and_insufficient_funds(node: tuple[str, Ledger]) -> None:
    url, ledger = node
    account = wk.Account.from_private_key("tron", "01" * 32)
    usdt = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    ledger.tokens[(usdt, account.address)] = 7_000_000
    client = wk.connect("tron", url, api_key="test-key")
    assert client.balance(account.address, usdt) == 7_000_000
    with pytest.raises(wk.errors.InsufficientFunds, match="need 8000000 token units, have 7000000"):
        account.connect(client).send("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 8_000_000, token=usdt)
    assert client.estimate_energy(account, "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 1, usdt) == 14650  # type: ignore[attr-defined]


def test_refused_broadcast_is_a_typed_error(node: tuple[str, Ledger]) -> None:
    url, ledger = node
    account = wk.Account.from_private_key("tron", "02" * 32)
    ledger.balances[account.address] = 10**9
    client = wk.connect("tron", url)
    fields = client.prepare_transfer(account, "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5, None, {})
    signed = account.sign(account.transfer("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5, None, **fields))
    client.broadcast(signed)
    with pytest.raises(wk.errors.BroadcastRejected, match="DUP_TRANSACTION_ERROR dup transaction"):
        client.broadcast(signed)


def test_unreachable_node_is_a_network_error() -> None:
    client = wk.connect("tron", "http://127.0.0.1:9")
    with pytest.raises(wk.errors.NetworkError, match="getaccount"):
        client.balance("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC")


def test_parse_owner_of_hex_matches() -> None:
    assert parse_address("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC")[0] == 0x41


def test_pinned_genesis_is_checked_before_signing(node: tuple[str, Ledger]) -> None:
    # Failure class 29: TRON transactions carry no chain id; a pinned genesis block refuses another network.
    url, ledger = node
    account = wk.Account.from_private_key("tron", "03" * 32)
    ledger.balances[account.address] = 10**9
    right = wk.connect("tron", url, genesis_block_id=GENESIS)
    assert right.prepare_transfer(account, "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5, None, {})["ref_block_hash"]
    wrong = wk.connect("tron", url, network="nile", genesis_block_id="00" * 32)
    with pytest.raises(wk.errors.ChainMismatch, match="not the pinned"):
        account.connect(wrong).send("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5)
    assert not ledger.seen
