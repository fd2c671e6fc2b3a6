"""A local Solana JSON-RPC endpoint answering from LiteSVM, with blocks: a test helper, said plainly.

LiteSVM is the Solana runtime without a ledger: it executes transactions but keeps no blocks.
This endpoint executes each ``sendTransaction`` in LiteSVM, reads the accounts the transaction
names before and after (lamports, and for token accounts the mint, owner and amount, as a
validator's ``preTokenBalances``/``postTokenBalances`` report them), and puts it in the next block
when the test calls :meth:`SolanaRpc.mine` (which can also skip slots). Methods: getSlot,
getBlock, getBlocks, getLatestBlockhash, getBalance, getAccountInfo, sendTransaction. The same
runtime stands behind the existing client tests (tests/solana/test_rpc_client.py).
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from chains.solana import programs
from chains.solana.litesvm import SolanaSvm


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class SolanaRpc:
    """LiteSVM, the blocks made from what it executed, and the HTTP server in front of them."""

    def __init__(self) -> None:
        self.engine = SolanaSvm()
        self.svm = self.engine.svm
        self.slot = 0
        self.blocks: dict[int, dict[str, Any]] = {
            0: {"blockhash": str(self.svm.latest_blockhash()), "transactions": []}
        }
        self.blocks[0]["previousBlockhash"] = self.blocks[0]["blockhash"]
        self.svm.expire_blockhash()
        self.pending: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def mine(self, skip: int = 0) -> int:
        """Leave ``skip`` slots without a block, then make a block of the pending transactions; return its slot."""
        with self.lock:
            previous = self.blocks[max(self.blocks)]["blockhash"]
            self.slot += skip + 1
            self.svm.warp_to_slot(self.slot)
            self.blocks[self.slot] = {
                "blockhash": str(self.svm.latest_blockhash()),
                "previousBlockhash": previous,
                "parentSlot": max(self.blocks),
                "transactions": self.pending,
            }
            self.pending = []
            self.svm.expire_blockhash()  # the next block has another hash
            return self.slot

    # --- what a validator reports ------------------------------------------------------

    def _token(self, key: Pubkey) -> tuple[str, str, str, int, int] | None:
        account = self.svm.get_account(key)
        if account is None or account.owner not in programs.TOKEN_PROGRAMS or len(account.data) < 165:
            return None
        data = bytes(account.data)
        mint = Pubkey(data[:32])
        mint_account = self.svm.get_account(mint)
        decimals = bytes(mint_account.data)[44] if mint_account is not None else 0
        return str(mint), str(Pubkey(data[32:64])), str(account.owner), int.from_bytes(data[64:72], "little"), decimals

    def _state(self, keys: list[Pubkey]) -> tuple[list[int], list[dict[str, Any]]]:
        lamports = [int(self.svm.get_balance(k) or 0) for k in keys]
        tokens = []
        for i, key in enumerate(keys):
            found = self._token(key)
            if found is not None:
                mint, owner, program, amount, decimals = found
                tokens.append(
                    {
                        "accountIndex": i,
                        "mint": mint,
                        "owner": owner,
                        "programId": program,
                        "uiTokenAmount": {"amount": str(amount), "decimals": decimals},
                    }
                )
        return lamports, tokens

    def _send(self, raw: str) -> str:
        tx = VersionedTransaction.from_bytes(base64.b64decode(raw))
        keys = list(tx.message.account_keys)
        pre, pre_tokens = self._state(keys)
        result = self.svm.send_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            raise RpcError(-32002, f"Transaction simulation failed: {result.err()}")
        post, post_tokens = self._state(keys)
        self.pending.append(
            {
                "transaction": {
                    "signatures": [str(s) for s in tx.signatures],
                    "message": {"accountKeys": [str(k) for k in keys]},
                },
                "meta": {
                    "err": None,
                    "fee": int(result.fee()),
                    "preBalances": pre,
                    "postBalances": post,
                    "preTokenBalances": pre_tokens,
                    "postTokenBalances": post_tokens,
                    "loadedAddresses": {"writable": [], "readonly": []},
                },
            }
        )
        return str(tx.signatures[0])

    def method(self, name: str, params: list[Any]) -> Any:
        if name == "getSlot":
            return self.slot
        if name == "getBlock":
            slot = int(params[0])
            if slot > self.slot:
                raise RpcError(-32004, f"Block not available for slot {slot}")
            if slot not in self.blocks:
                raise RpcError(-32007, f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot")
            block = dict(self.blocks[slot])
            if (params[1] if len(params) > 1 else {}).get("transactionDetails") == "none":
                block.pop("transactions")
            return block
        if name == "getBlocks":
            start, end = int(params[0]), int(params[1])
            return [s for s in sorted(self.blocks) if start <= s <= end]
        if name == "getLatestBlockhash":
            return {
                "context": {"slot": self.slot},
                "value": {"blockhash": str(self.svm.latest_blockhash()), "lastValidBlockHeight": self.slot + 150},
            }
        if name == "getBalance":
            return {
                "context": {"slot": self.slot},
                "value": int(self.svm.get_balance(Pubkey.from_string(params[0])) or 0),
            }
        if name == "getAccountInfo":
            account = self.svm.get_account(Pubkey.from_string(params[0]))
            value = None
            if account is not None:
                value = {
                    "owner": str(account.owner),
                    "lamports": account.lamports,
                    "data": [base64.b64encode(bytes(account.data)).decode(), "base64"],
                    "executable": False,
                }
            return {"context": {"slot": self.slot}, "value": value}
        if name == "sendTransaction":
            return self._send(params[0])
        raise RpcError(-32601, f"method {name} not served by this helper")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rpc = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
                try:
                    with rpc.lock:
                        answer["result"] = rpc.method(request["method"], request.get("params") or [])
                except RpcError as e:
                    answer["error"] = {"code": e.code, "message": str(e)}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
