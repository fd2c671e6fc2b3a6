"""The Core JSON-RPC and Esplora clients, tested against a local HTTP server this test starts.

The server is not Bitcoin Core nor an Esplora server: it speaks their wire formats
(JSON-RPC 1.0 methods scantxoutset, estimatesmartfee, sendrawtransaction,
getrawtransaction, getblockcount; Esplora's /address/:a/utxo, /fee-estimates, POST /tx,
/tx/:id/status) and answers from the libbitcoinkernel regtest engine, so every
broadcast really lands in a block the kernel validates.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import walletkit as wk
from chains.bitcoin.client import BitcoinBackend, BitcoinClient, CoreRpc, Esplora
from chains.bitcoin.plugin import BITCOIN
from chains.bitcoin.tx import Transaction

BTC = 10**8
USER, PASSWORD = "walletkit", "regtest-only"
FEE_RATE = Decimal("0.00003")  # BTC/kvB = 3 sat/vB


def _server(chain: Any) -> ThreadingHTTPServer:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        """A wire-format test helper, not Bitcoin Core nor Esplora: Core's JSON-RPC 1.0 and Esplora's
        REST shapes, answered from the libbitcoinkernel regtest engine."""

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _utxos(self, address: str) -> list[Any]:
            return list(chain.utxos(address))

        def do_GET(self) -> None:
            with lock:
                parts = self.path.strip("/").split("/")
                if parts[:2] == ["api", "fee-estimates"]:
                    return self._send(200, json.dumps({"1": 5.0, "6": 3.0, "144": 1.0}).encode())
                if parts[:2] == ["api", "address"] and parts[3:] == ["utxo"]:
                    coins = [
                        {
                            "txid": c.outpoint.txid,
                            "vout": c.outpoint.vout,
                            "value": c.output.value,
                            "status": {"confirmed": True, "block_height": c.height},
                        }
                        for c in self._utxos(parts[2])
                    ]
                    return self._send(200, json.dumps(coins).encode())
                if parts[:2] == ["api", "tx"] and parts[3:] == ["status"]:
                    height = chain.confirmed.get(parts[2])
                    status = {"confirmed": height is not None, "block_height": height}
                    return self._send(200, json.dumps(status).encode())
                return self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                if self.path == "/api/tx":
                    try:
                        txid = chain.broadcast(wk.SignedTransaction("btc", bytes.fromhex(body.decode()), ""))
                    except wk.errors.BroadcastRejected as e:
                        return self._send(400, f"sendrawtransaction RPC error: {e}".encode(), "text/plain")
                    return self._send(200, txid.encode(), "text/plain")
                if self.headers.get("Authorization") != "Basic d2FsbGV0a2l0OnJlZ3Rlc3Qtb25seQ==":
                    return self._send(401, b"")
                call = json.loads(body)
                try:
                    result = self._rpc(call["method"], call["params"])
                    reply = {"result": result, "error": None, "id": call["id"]}
                except wk.errors.BroadcastRejected as e:
                    reply = {"result": None, "error": {"code": -26, "message": str(e)}, "id": call["id"]}
                return self._send(200, json.dumps(reply, default=str).encode())

        def _rpc(self, method: str, params: list[Any]) -> Any:
            if method == "scantxoutset":
                address = params[1][0][len("addr(") : -1]
                return {
                    "success": True,
                    "unspents": [
                        {
                            "txid": c.outpoint.txid,
                            "vout": c.outpoint.vout,
                            "scriptPubKey": c.output.script_pubkey.hex(),
                            "amount": str(Decimal(c.output.value) / BTC),
                            "height": c.height,
                        }
                        for c in self._utxos(address)
                    ],
                }
            if method == "estimatesmartfee":
                return {"feerate": str(FEE_RATE), "blocks": params[0]}
            if method == "sendrawtransaction":
                return chain.broadcast(wk.SignedTransaction("btc", bytes.fromhex(params[0]), ""))
            if method == "getblockcount":
                return chain.height
            if method == "getrawtransaction":
                height = chain.confirmed[params[0]]
                return {"txid": params[0], "confirmations": chain.height - height + 1}
            raise AssertionError(f"unexpected RPC {method}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, str]]:
    with BITCOIN.local_engine() as chain:  # type: ignore[attr-defined]
        server = _server(chain)
        try:
            yield chain, f"127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


def _clients(host: str) -> dict[str, BitcoinClient]:
    return {
        "core": BITCOIN.connect(f"http://{USER}:{PASSWORD}@{host}", "regtest"),  # type: ignore[dict-item]
        "esplora": BITCOIN.connect(f"http://{host}/api", "regtest", backend="esplora"),  # type: ignore[dict-item]
    }


@pytest.mark.parametrize("backend", ["core", "esplora"])
def test_send_through_each_backend(served: tuple[Any, str], backend: str) -> None:
    chain, host = served
    client = _clients(host)[backend]
    assert isinstance(client, wk.ChainClient) and isinstance(client.backend, BitcoinBackend)
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender = wallet.account("btc", kind="p2tr", network="regtest")
    receiver = wallet.account("btc", index=1, network="regtest")
    chain.mine(1, to=sender.address)
    chain.mine(100)
    assert client.balance(sender.address) == chain.subsidy(chain.height - 100)
    assert client.backend.estimate_fee_rate(6) == 3.0
    txid = sender.connect(client).send(receiver.address, 2 * BTC)
    assert chain.confirmed[txid] == chain.height  # mined into a block the kernel accepted
    assert client.balance(receiver.address) == 2 * BTC
    status = client.wait(txid)
    assert status.confirmed and status.height == chain.height


def test_fee_rate_is_paid_as_estimated(served: tuple[Any, str]) -> None:
    chain, host = served
    client = _clients(host)["core"]
    account = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest")
    chain.mine(1, to=account.address)
    chain.mine(100)
    fields = client.prepare_transfer(account, account.address, BTC, None, {})
    assert fields["fee_rate"] == 3.0 and len(fields["utxos"]) == 1  # type: ignore[arg-type]
    signed = account.sign(account.transfer(account.address, BTC, **fields))
    tx = signed.extra["tx"]
    assert isinstance(tx, Transaction)
    assert 3.0 <= signed.extra["fee"] / tx.vsize <= 3.0 * 1.01  # type: ignore[operator]


@pytest.mark.parametrize("backend", ["core", "esplora"])
def test_rejection_is_broadcast_rejected(served: tuple[Any, str], backend: str) -> None:
    _, host = served
    client = _clients(host)[backend]
    account = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest")
    utxo = {"txid": "ab" * 32, "vout": 0, "value": BTC}  # exists nowhere
    signed = account.sign(account.transfer(account.address, BTC // 2, utxos=[utxo], fee_rate=2))
    with pytest.raises(wk.errors.BroadcastRejected, match="unknown or already spent"):
        client.broadcast(signed)


def test_wrong_credentials_and_unreachable_are_network_errors(served: tuple[Any, str]) -> None:
    _, host = served
    with pytest.raises(wk.errors.NetworkError, match="401") as caught:
        CoreRpc(f"http://{USER}:wrong-password@{host}", "regtest").call("getblockcount")
    assert "wrong-password" not in str(caught.value)
    assert "regtest-only" not in repr(CoreRpc(f"http://{USER}:{PASSWORD}@{host}", "regtest"))
    with pytest.raises(wk.errors.NetworkError, match="cannot reach"):
        Esplora("http://127.0.0.1:9/api", "regtest", timeout=2).estimate_fee_rate()
    with pytest.raises(wk.errors.InvalidInput):
        BITCOIN.connect("ftp://127.0.0.1/", "regtest")
    with pytest.raises(wk.errors.InvalidInput, match="backend"):
        BITCOIN.connect(f"http://{host}", "regtest", backend="electrum")


def test_addresses_of_another_network_are_refused(served: tuple[Any, str]) -> None:
    _, host = served
    mainnet = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc").address
    with pytest.raises(wk.errors.WrongNetwork):
        _clients(host)["esplora"].balance(mainnet)
