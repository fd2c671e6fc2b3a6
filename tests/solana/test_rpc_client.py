"""The Solana JSON-RPC client against a local JSON-RPC endpoint that answers from LiteSVM.

The endpoint is a test helper, said plainly: a small HTTP server that turns the RPC
methods the client uses into LiteSVM calls, so requests and parsing meet a real runtime.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

import walletkit as wk
from chains.solana import programs
from chains.solana.client import AsyncSolanaClient
from chains.solana.litesvm import SolanaSvm


def _handler(engine: SolanaSvm, mints: list[str]) -> type[BaseHTTPRequestHandler]:
    svm = engine.svm
    statuses: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        """A wire-format test helper, not a Solana validator: Solana JSON-RPC 2.0 requests turned into
        LiteSVM calls (the real runtime), answers in the RPC's documented shapes."""

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                answer = {
                    "jsonrpc": "2.0",
                    "id": request["id"],
                    "result": self.method(request["method"], request["params"]),
                }
            except RpcError as e:
                answer = {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32002, "message": str(e)}}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def method(self, name: str, params: list[Any]) -> Any:
            if name == "getLatestBlockhash":
                return {
                    "context": {"slot": 1},
                    "value": {"blockhash": str(svm.latest_blockhash()), "lastValidBlockHeight": 150},
                }
            if name == "getBalance":
                return {"context": {"slot": 1}, "value": svm.get_balance(Pubkey.from_string(params[0])) or 0}
            if name == "getAccountInfo":
                account = svm.get_account(Pubkey.from_string(params[0]))
                if account is None:
                    return {"context": {"slot": 1}, "value": None}
                return {
                    "context": {"slot": 1},
                    "value": {
                        "owner": str(account.owner),
                        "lamports": account.lamports,
                        "data": [base64.b64encode(bytes(account.data)).decode(), "base64"],
                        "executable": False,
                    },
                }
            if name == "getTokenAccountsByOwner":
                owner, program = Pubkey.from_string(params[0]), Pubkey.from_string(params[1]["programId"])
                found = []
                for mint in mints:
                    ata = programs.associated_token_address(owner, Pubkey.from_string(mint), program)
                    account = svm.get_account(ata)
                    if account is not None and account.owner == program:
                        found.append(
                            {
                                "pubkey": str(ata),
                                "account": {"data": [base64.b64encode(bytes(account.data)).decode(), "base64"]},
                            }
                        )
                return {"context": {"slot": 1}, "value": found}
            tx = (
                VersionedTransaction.from_bytes(base64.b64decode(params[0]))
                if params and isinstance(params[0], str)
                else None
            )
            if name == "sendTransaction" and tx is not None:
                result = svm.send_transaction(tx)
                if isinstance(result, FailedTransactionMetadata):
                    raise RpcError(f"Transaction simulation failed: {result.err()}")
                statuses[str(tx.signatures[0])] = {"confirmationStatus": "confirmed", "err": None}
                return str(tx.signatures[0])
            if name == "simulateTransaction" and tx is not None:
                result = svm.simulate_transaction(tx)
                meta = result.meta()
                err = str(result.err()) if isinstance(result, FailedTransactionMetadata) else None
                return {
                    "context": {"slot": 1},
                    "value": {"err": err, "logs": list(meta.logs()), "unitsConsumed": meta.compute_units_consumed()},
                }
            if name == "getSignatureStatuses":
                return {"context": {"slot": 1}, "value": [statuses.get(s) for s in params[0]]}
            raise RpcError(f"method {name} not served by this helper")

    return Handler


class RpcError(Exception):
    pass


@pytest.fixture
def rpc() -> Iterator[tuple[str, SolanaSvm, list[str]]]:
    engine, mints = SolanaSvm(), []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(engine, mints))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", engine, mints
    finally:
        server.shutdown()
        server.server_close()


def test_send_sol_and_tokens_through_rpc(rpc: tuple[str, SolanaSvm, list[str]]) -> None:
    url, engine, mints = rpc
    alice, bob = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("sol", count=2)
    engine.airdrop(alice.address, 5 * 10**9)
    client = wk.connect("sol", url)
    connected = alice.connect(client)
    connected.send(bob.address, 10**9, compute_unit_price=1000, compute_unit_limit=1000)
    assert client.balance(bob.address) == 10**9 == engine.balance(bob.address)
    mint = engine.create_mint(alice.address, decimals=6)
    mints.append(mint)
    engine.mint_to(mint, alice.address, 10**6)
    connected.send(bob.address, 250_000, token=mint)  # decimals and program read from the mint over RPC
    assert client.balance(bob.address, mint) == 250_000
    assert {(a["mint"], a["amount"]) for a in client.token_accounts(bob.address)} == {(mint, 250_000)}
    signed = alice.sign(alice.transfer(bob.address, 1, recent_blockhash=client.latest_blockhash()))
    assert 0 < client.simulate(signed) < 10_000


def test_refusals_are_typed(rpc: tuple[str, SolanaSvm, list[str]]) -> None:
    url, engine, _ = rpc
    alice, bob = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("sol", count=2)
    engine.airdrop(alice.address, 10**9)
    client = wk.connect("sol", url)
    with pytest.raises(wk.errors.InsufficientFunds):
        alice.connect(client).send(bob.address, 10 * 10**9)
    stale = alice.sign(alice.transfer(bob.address, 10**6, recent_blockhash=client.latest_blockhash()))
    engine.expire_blockhash()
    with pytest.raises(wk.errors.BroadcastRejected, match="Blockhash"):
        client.broadcast(stale)
    with pytest.raises(wk.errors.NetworkError):
        wk.connect("sol", "http://127.0.0.1:9").balance(bob.address)


def test_async_client(rpc: tuple[str, SolanaSvm, list[str]]) -> None:
    url, engine, _ = rpc
    alice, bob = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("sol", count=2)
    engine.airdrop(alice.address, 2 * 10**9)
    client = AsyncSolanaClient(url)

    async def flow() -> int:
        await client.send(alice, bob.address, 10**9)
        return await client.balance(bob.address)

    assert asyncio.run(flow()) == 10**9
