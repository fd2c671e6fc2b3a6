"""Scan TRON blocks for TRX, TRC-10 and TRC-20 transfers touching watched addresses (for :mod:`walletkit.watch`).

Per block, whatever the number of watched addresses: ``/wallet/getblockbynum`` (the block with
its transactions, addresses in hex) and, when the block holds a contract call,
``/wallet/gettransactioninfobyblocknum`` (the calls' receipts and event logs). Each address in
them is looked up in an in-memory dict.

- ``TransferContract`` (TRX, asset ``"native"``, sun) and ``TransferAssetContract`` (TRC-10,
  asset = the token id in decimal, e.g. ``"1002000"``) are ``index`` 0 of their transaction;
  a transaction whose ``ret`` is not ``SUCCESS`` moved nothing and is left out.
- TRC-20: every ``Transfer(address,address,uint256)`` log of a successful call (asset = the
  contract's base58 ``T...`` address), numbered from 1 in log order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chains.tron.address import parse_address, to_base58
from walletkit.errors import InvalidInput
from walletkit.watch.events import ScannedBlock, Transfer
from walletkit.watch.scanner import WatchSet

if TYPE_CHECKING:
    from chains.tron.client import TronClient

TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"  # Transfer(address,address,uint256)
Movement = tuple[int, str, str, str, int]  # index, from (41.. hex), to (41.. hex), asset, amount


def _hex41(value: object) -> str:
    text = str(value or "").lower()
    return text[2:] if text.startswith("0x") else text


def _b58(hex41: str) -> str:
    return to_base58(bytes.fromhex(hex41))


def contract_movement(tx: dict[str, Any]) -> Movement | None:
    """Return the TRX or TRC-10 movement of a block transaction (index 0), or None.

    >>> contract_movement({"ret": [{"contractRet": "SUCCESS"}], "raw_data": {"contract": [{"type": "TransferContract",
    ...     "parameter": {"value": {"owner_address": "41" + "11" * 20, "to_address": "41" + "22" * 20, "amount": 5}}}]}})
    (0, '411111111111111111111111111111111111111111', '412222222222222222222222222222222222222222', 'native', 5)
    """
    ret = (tx.get("ret") or [{}])[0].get("contractRet", "SUCCESS")
    contracts = (tx.get("raw_data") or {}).get("contract") or []
    if ret != "SUCCESS" or len(contracts) != 1:
        return None
    kind, value = contracts[0].get("type"), contracts[0].get("parameter", {}).get("value", {})
    if kind == "TransferContract":
        return 0, _hex41(value.get("owner_address")), _hex41(value.get("to_address")), "native", int(value["amount"])
    if kind == "TransferAssetContract":
        name = bytes.fromhex(str(value.get("asset_name", ""))).decode("ascii", "replace")
        return 0, _hex41(value.get("owner_address")), _hex41(value.get("to_address")), name, int(value["amount"])
    return None


def log_movements(info: dict[str, Any]) -> list[Movement]:
    """Return the TRC-20 transfers in a transaction info's logs (index 1.. in log order), for a successful call."""
    if (info.get("receipt") or {}).get("result", "SUCCESS") != "SUCCESS":
        return []
    found: list[Movement] = []
    for k, log in enumerate(info.get("log") or [], start=1):
        topics = [_hex41(t) for t in log.get("topics") or []]
        data = _hex41(log.get("data"))
        if len(topics) != 3 or topics[0] != TRANSFER_TOPIC or len(data) != 64:
            continue
        contract = "41" + _hex41(log.get("address"))[-40:]
        found.append((k, "41" + topics[1][-40:], "41" + topics[2][-40:], _b58(contract), int(data, 16)))
    return found


class TronScanner:
    """A :class:`walletkit.watch.BlockScanner` over a TRON HTTP API client."""

    def __init__(self, client: TronClient) -> None:
        self.client = client
        self.chain = client.chain
        self.network = client.network
        self.calls = 0

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return self.client.post(path, body)

    def head(self) -> int:
        """Return the number of the latest block (``/wallet/getnowblock``)."""
        return int(self._post("/wallet/getnowblock", {})["block_header"]["raw_data"]["number"])

    def block_hash(self, height: int) -> str | None:
        """Return the blockID at ``height`` (None above the head)."""
        block = self._post("/wallet/getblockbynum", {"num": height})
        return str(block["blockID"]) if block.get("blockID") else None

    def scan(self, height: int, watch: WatchSet) -> ScannedBlock | None:
        """Read block ``height`` (and its transaction infos when it holds calls); return the watched transfers."""
        before = self.calls
        block = self._post("/wallet/getblockbynum", {"num": height})
        if not block.get("blockID"):
            return None
        parent = str(block.get("block_header", {}).get("raw_data", {}).get("parentHash", ""))
        watched: dict[str, str] = watch.derived("tron-hex", lambda s: {parse_address(a).hex(): a for a in s})
        txs = block.get("transactions") or []
        infos: dict[str, dict[str, Any]] = {}
        calls = any(
            ((t.get("raw_data") or {}).get("contract") or [{}])[0].get("type") == "TriggerSmartContract" for t in txs
        )
        if watched and calls:
            answer = self.client.post("/wallet/gettransactioninfobyblocknum", {"num": height})
            self.calls += 1
            items = answer if isinstance(answer, list) else answer.get("transactionInfo", [])  # type: ignore[unreachable]
            infos = {str(i.get("id")): i for i in items if isinstance(i, dict)}
        transfers: list[Transfer] = []
        for tx in txs if watched else []:
            txid = str(tx.get("txID"))
            movements = [m for m in [contract_movement(tx)] if m is not None] + log_movements(infos.get(txid, {}))
            for index, frm, to, asset, amount in movements:
                if frm in watched:
                    transfers.append(
                        Transfer(txid, index, "out", watched[frm], _b58(to) if to else None, asset, amount)
                    )
                if to in watched:
                    transfers.append(
                        Transfer(txid, index, "in", watched[to], _b58(frm) if frm else None, asset, amount)
                    )
        return ScannedBlock(height, str(block["blockID"]), parent, tuple(transfers), self.calls - before)


def check_client(client: object) -> TronClient:
    """Return ``client`` if it is a TRON HTTP client, else raise InvalidInput naming what it is."""
    from chains.tron.client import TronClient

    if not isinstance(client, TronClient):
        raise InvalidInput(
            f"a TRON watch needs a TRON HTTP client (wk.connect('tron', url)), got {type(client).__name__}"
        )
    return client
