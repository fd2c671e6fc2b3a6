"""The Bitcoin watch through Bitcoin Core's JSON-RPC and an Esplora API, against a local HTTP server that
answers from the kernel regtest chain: a test helper speaking their wire formats (getblockcount,
getblockhash, getblock <hash> 0; /blocks/tip/height, /block-height/:h, /block/:hash/raw), not Core or Esplora.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import walletkit as wk
from chains.bitcoin.client import BitcoinClient, CoreRpc, Esplora
from chains.bitcoin.regtest import RegtestChain
from walletkit.watch import Watcher


def _server(chain: RegtestChain) -> ThreadingHTTPServer:
    def by_hash(block_hash: str) -> bytes | None:
        for height in range(chain.height + 1):
            if chain.block_hash(height) == block_hash:
                return chain.raw_block(height)
        return None

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            if parts == ["blocks", "tip", "height"]:
                return self._send(200, str(chain.height).encode())
            if parts[0] == "block-height":
                found = chain.block_hash(int(parts[1]))
                return self._send(200, found.encode()) if found else self._send(404, b"Block not found")
            if parts[0] == "block" and parts[2:] == ["raw"]:
                raw = by_hash(parts[1])
                return self._send(200, raw) if raw is not None else self._send(404, b"Block not found")
            return self._send(404, b"unknown path")

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            method, params = request["method"], request["params"]
            result: Any = None
            error = None
            if method == "getblockcount":
                result = chain.height
            elif method == "getblockhash":
                result = chain.block_hash(int(params[0]))
                error = None if result else {"code": -8, "message": "Block height out of range"}
            elif method == "getblock" and params[1] == 0:
                raw = by_hash(params[0])
                result = raw.hex() if raw is not None else None
                error = None if raw is not None else {"code": -5, "message": "Block not found"}
            else:
                error = {"code": -32601, "message": "Method not found"}
            self._send(200, json.dumps({"result": result, "error": error, "id": request["id"]}).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def served() -> Iterator[tuple[RegtestChain, str]]:
    with RegtestChain() as chain:
        server = _server(chain)
        try:
            yield chain, f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize("backend", ["core", "esplora"])
def test_deposit_and_spend_through_each_backend(served: tuple[RegtestChain, str], backend: str) -> None:
    chain, url = served
    # Two wallets: accounts of one wallet share its change address, so a spend could take the other's coins.
    funder, target = (wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("btc", network="regtest") for _ in "ab")
    chain.mine(101, to=funder.address)
    client = BitcoinClient(
        CoreRpc(f"http://u:p@{url[7:]}", "regtest") if backend == "core" else Esplora(url, "regtest")
    )
    watcher = Watcher(confirmations={"btc": 1})
    watcher.add("btc", [target.address], network="regtest")
    watcher.poll(client, start=1)
    deposit = funder.connect(chain).send(target.address, 40_000)
    spend = target.connect(chain).send(funder.address, 10_000)
    events = watcher.poll(client)
    assert [(e.txid, e.direction, e.amount, e.status) for e in events if e.address == target.address] == [
        (deposit, "in", 40_000, "seen"),
        (deposit, "in", 40_000, "confirmed"),
        (spend, "out", 40_000, "seen"),
        (spend, "out", 40_000, "confirmed"),
    ]
    assert watcher.scanner(client).block_hash(chain.height + 1) is None
