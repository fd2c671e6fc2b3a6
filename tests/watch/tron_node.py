"""A local HTTP server speaking TRON's wallet API JSON, with blocks: a test helper, said plainly.

No TRON node can run here (see DESIGN.md). This server checks each broadcast as a node would
(txID = SHA-256(raw_data_hex); the signature recovers to the owner), executes TRX, TRC-10 and
TRC-20 ``transfer(address,uint256)`` on an in-memory ledger (a TRC-20 transfer beyond the balance
reverts), and puts the broadcast JSON, exactly as walletkit built it, into the next block when the
test calls :meth:`TronNode.mine`. Paths: getnowblock, getblockbynum, gettransactioninfobyblocknum,
getaccount, triggerconstantcontract, broadcasttransaction, gettransactioninfobyid. The signing
path itself is proven against tronweb in tests/tron/test_tronweb.py.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import coincurve

from chains.tron.address import address_of, parse_address

TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
TRC20_TRANSFER = "a9059cbb"


def hex41(address: str) -> str:
    """Return an address as the API's hex form (41 + 20 bytes)."""
    return parse_address(address).hex()


class TronNode:
    """The ledger, the blocks, and the HTTP server in front of them."""

    def __init__(self) -> None:
        self.balances: dict[str, int] = {}  # hex41 -> sun
        self.assets: dict[tuple[str, str], int] = {}  # (hex41, TRC-10 id) -> units
        self.tokens: dict[tuple[str, str], int] = {}  # (contract hex41, owner hex41) -> units
        self.blocks: list[dict[str, Any]] = [self._block(0, "00" * 32, [], 1_700_000_000_000)]
        self.infos: list[list[dict[str, Any]]] = [[]]
        self.pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _block(number: int, parent: str, txs: list[dict[str, Any]], timestamp: int) -> dict[str, Any]:
        digest = hashlib.sha256((parent + "".join(t["txID"] for t in txs) + str(timestamp)).encode()).hexdigest()
        return {
            "blockID": number.to_bytes(8, "big").hex() + digest[16:],
            "block_header": {"raw_data": {"number": number, "parentHash": parent, "timestamp": timestamp}},
            "transactions": txs,
        }

    def mine(self, blocks: int = 1) -> None:
        """Put the pending transactions into a new block, then add ``blocks - 1`` empty ones."""
        with self.lock:
            for k in range(blocks):
                chosen = self.pending if k == 0 else []
                last = self.blocks[-1]
                number = last["block_header"]["raw_data"]["number"] + 1
                stamp = last["block_header"]["raw_data"]["timestamp"] + 3000
                self.blocks.append(self._block(number, last["blockID"], [t for t, _ in chosen], stamp))
                self.infos.append([dict(info, blockNumber=number) for _, info in chosen])
                self.pending = []

    def _execute(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        contract = body["raw_data"]["contract"][0]
        kind, value = contract["type"], contract["parameter"]["value"]
        owner = value["owner_address"]
        info: dict[str, Any] = {"id": body["txID"], "receipt": {"result": "SUCCESS"}, "log": []}
        if kind == "TransferContract":
            if self.balances.get(owner, 0) < value["amount"]:
                return "CONTRACT_VALIDATE_ERROR", info
            self.balances[owner] -= value["amount"]
            self.balances[value["to_address"]] = self.balances.get(value["to_address"], 0) + value["amount"]
        elif kind == "TransferAssetContract":
            token = bytes.fromhex(value["asset_name"]).decode()
            if self.assets.get((owner, token), 0) < value["amount"]:
                return "CONTRACT_VALIDATE_ERROR", info
            self.assets[(owner, token)] -= value["amount"]
            key = (value["to_address"], token)
            self.assets[key] = self.assets.get(key, 0) + value["amount"]
        elif kind == "TriggerSmartContract" and value["data"].startswith(TRC20_TRANSFER):
            data, token = value["data"], value["contract_address"]
            to, amount = "41" + data[8 + 24 : 8 + 64], int(data[8 + 64 : 8 + 128], 16)
            if self.tokens.get((token, owner), 0) < amount:
                info["receipt"]["result"] = "REVERT"
                return "REVERT", info
            self.tokens[(token, owner)] -= amount
            self.tokens[(token, to)] = self.tokens.get((token, to), 0) + amount
            info["log"] = [
                {
                    "address": token[2:],
                    "topics": [TRANSFER_TOPIC, "00" * 12 + owner[2:], "00" * 12 + to[2:]],
                    "data": amount.to_bytes(32, "big").hex(),
                }
            ]
        return "SUCCESS", info

    def _route(self, path: str, body: dict[str, Any]) -> Any:
        if path == "/wallet/getnowblock":
            return self.blocks[-1]
        if path == "/wallet/getblockbynum":
            number = int(body.get("num", -1))
            return self.blocks[number] if 0 <= number < len(self.blocks) else {}
        if path == "/wallet/gettransactioninfobyblocknum":
            number = int(body.get("num", -1))
            return self.infos[number] if 0 <= number < len(self.infos) else []
        if path == "/wallet/getaccount":
            balance = self.balances.get(hex41(body["address"]), 0)
            return {"address": body["address"], "balance": balance} if balance else {}
        if path == "/wallet/triggerconstantcontract":
            if body["function_selector"] == "balanceOf(address)":
                held = self.tokens.get((hex41(body["contract_address"]), hex41(body["owner_address"])), 0)
                return {"result": {"result": True}, "constant_result": [held.to_bytes(32, "big").hex()]}
            return {"result": {"result": True}, "energy_used": 14650, "constant_result": ["00" * 31 + "01"]}
        if path == "/wallet/broadcasttransaction":
            digest = hashlib.sha256(bytes.fromhex(body["raw_data_hex"])).digest()
            if digest.hex() != body["txID"]:
                return {"result": False, "code": "SIGERROR", "message": b"txid mismatch".hex()}
            sig = bytes.fromhex(body["signature"][0])
            public = coincurve.PublicKey.from_signature_and_message(
                sig[:64] + bytes([sig[64] - 27]), digest, hasher=None
            )
            owner = body["raw_data"]["contract"][0]["parameter"]["value"]["owner_address"]
            if parse_address(address_of(public.format(False))).hex() != owner:
                return {"result": False, "code": "SIGERROR", "message": b"bad signature".hex()}
            ret, info = self._execute(body)
            if ret == "CONTRACT_VALIDATE_ERROR":
                return {"result": False, "code": ret, "message": b"balance is not sufficient".hex()}
            self.pending.append((dict(body, ret=[{"contractRet": ret}]), info))
            return {"result": True, "txid": body["txID"]}
        if path == "/wallet/gettransactioninfobyid":
            for number, infos in enumerate(self.infos):
                for info in infos:
                    if info["id"] == body["value"]:
                        return dict(info, blockNumber=number)
            return {}
        return {"Error": f"unknown path {path}"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                with node.lock:
                    answer = node._route(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
