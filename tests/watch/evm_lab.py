"""A private anvil for the watcher's tests: automine off, transactions signed here, blocks mined when asked.

Each test module starts its own anvil (snapshots, reverts and mining stay out of the shared
session engine). Senders are anvil's funded accounts; every transfer the lab makes is written
down by hand (:class:`Expected`), so the tests compare the watcher's events with what was sent,
not with anything the watcher computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode

import walletkit as wk
from chains.evm.anvil import ANVIL_MNEMONIC, AnvilEngine
from chains.evm.solc import compile_solidity
from chains.evm.transaction import EvmTransaction
from walletkit.account import Account
from walletkit.crypto.hashes import keccak256

GWEI = 10**9
SOURCE = Path(__file__).parent / "contracts" / "Collectibles.sol"
NFTS_PER_SENDER = 40
MULTI_IDS = (0, 1, 2, 10, 11)


def selector(signature: str) -> bytes:
    """Return the 4-byte function selector of a Solidity signature."""
    return keccak256(signature.encode())[:4]


@dataclass(frozen=True)
class Expected:
    """One transfer the lab made: what a correct watcher must report for it."""

    txid: str
    direction: str
    address: str
    counterparty: str
    asset: str
    amount: int


class EvmLab:
    """An anvil engine whose blocks are mined only by :meth:`mine`."""

    def __init__(self, engine: AnvilEngine) -> None:
        self.engine = engine
        self.rpc("evm_setAutomine", [False])
        self.rpc("evm_setIntervalMining", [0])
        self.funders = wk.Wallet.from_mnemonic(ANVIL_MNEMONIC).accounts("eth", 5)
        self._nonces: dict[str, int] = {}
        self.contracts: dict[str, str] = {}

    def rpc(self, method: str, params: list[Any]) -> Any:
        answer = self.engine.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def height(self) -> int:
        return int(self.rpc("eth_blockNumber", []), 16)

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def nonce(self, account: Account) -> int:
        address = account.address
        if address not in self._nonces:
            self._nonces[address] = int(self.rpc("eth_getTransactionCount", [address, "pending"]), 16)
        self._nonces[address] += 1
        return self._nonces[address] - 1

    def forget_nonces(self) -> None:
        """Read nonces from the node again (after a revert)."""
        self._nonces.clear()

    def _fields(self, account: Account, gas: int) -> dict[str, Any]:
        return {
            "nonce": self.nonce(account),
            "gas": gas,
            "max_fee_per_gas": 50 * GWEI,
            "max_priority_fee_per_gas": GWEI,
        }

    def send(
        self, account: Account, to: str, value: int = 0, data: bytes = b"", token: str | None = None, gas: int = 200_000
    ) -> str:
        fields = self._fields(account, 21_000 if not data and token is None else gas)
        if data:
            fields["data"] = data
        signed = account.sign(account.transfer(to, value, token, **fields))
        self.rpc("eth_sendRawTransaction", ["0x" + signed.raw.hex()])
        return signed.txid

    def deploy(self, account: Account, code: bytes) -> str:
        tx = EvmTransaction(
            chain_id=self.engine.chain_id,
            nonce=self.nonce(account),
            gas=3_000_000,
            to=None,
            data=code,
            tx_type=2,
            max_fee_per_gas=50 * GWEI,
            max_priority_fee_per_gas=GWEI,
        )
        signed = account.sign(tx)
        self.rpc("eth_sendRawTransaction", ["0x" + signed.raw.hex()])
        self.mine()
        receipt = self.rpc("eth_getTransactionReceipt", [signed.txid])
        return wk.validate_address("eth", receipt["contractAddress"])

    def setup_tokens(self) -> None:
        """Deploy an ERC-20 (supply split among the funders), an ERC-721 and an ERC-1155."""
        owner = self.funders[0]
        self.contracts["erc20"] = self._erc20(owner)
        compiled = compile_solidity({"Collectibles.sol": SOURCE.read_text()})
        self.contracts["erc721"] = self.deploy(owner, compiled["TestNft"].bytecode)
        self.contracts["erc1155"] = self.deploy(owner, compiled["TestMulti"].bytecode)
        for k, funder in enumerate(self.funders[1:]):
            self.send(owner, funder.address, token=self.contracts["erc20"], value=10**24)
            for token_id in range(1000 * (k + 1), 1000 * (k + 1) + NFTS_PER_SENDER):
                self.nft_mint(funder, funder.address, token_id)
            for token_id in MULTI_IDS:
                self.multi_mint(funder, funder.address, token_id, 10**6)
        self.mine()

    def _erc20(self, owner: Account) -> str:
        from chains.evm.contracts import test_token_artifact

        code = bytes.fromhex(test_token_artifact()["bytecode"][2:])
        return self.deploy(owner, code + abi_encode(["string", "string", "uint256"], ["Test USD", "TUSD", 10**30]))

    # --- token calls -------------------------------------------------------------------

    def nft_mint(self, sender: Account, to: str, token_id: int) -> str:
        data = selector("mint(address,uint256)") + abi_encode(["address", "uint256"], [to, token_id])
        return self.send(sender, self.contracts["erc721"], data=data)

    def nft_transfer(self, sender: Account, to: str, token_id: int) -> str:
        data = selector("transferFrom(address,address,uint256)") + abi_encode(
            ["address", "address", "uint256"], [sender.address, to, token_id]
        )
        return self.send(sender, self.contracts["erc721"], data=data)

    def multi_mint(self, sender: Account, to: str, token_id: int, value: int) -> str:
        data = selector("mint(address,uint256,uint256)") + abi_encode(
            ["address", "uint256", "uint256"], [to, token_id, value]
        )
        return self.send(sender, self.contracts["erc1155"], data=data)

    def multi_transfer(self, sender: Account, to: str, token_id: int, value: int) -> str:
        data = selector("safeTransferFrom(address,address,uint256,uint256,bytes)") + abi_encode(
            ["address", "address", "uint256", "uint256", "bytes"], [sender.address, to, token_id, value, b""]
        )
        return self.send(sender, self.contracts["erc1155"], data=data)

    def multi_batch(self, sender: Account, to: str, ids: list[int], values: list[int]) -> str:
        data = selector("safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)") + abi_encode(
            ["address", "address", "uint256[]", "uint256[]", "bytes"], [sender.address, to, ids, values, b""]
        )
        return self.send(sender, self.contracts["erc1155"], data=data, gas=300_000)

    def status(self, txid: str) -> int:
        return int(self.rpc("eth_getTransactionReceipt", [txid])["status"], 16)


def deposits(lab: EvmLab, targets: list[str], count: int = 300, per_block: int = 40) -> list[Expected]:
    """Send ``count`` deposits from four senders to ``targets``: native, ERC-20, ERC-721, ERC-1155 single and batch.

    Returns every transfer they make, written down here (a batch of two ids is two transfers).
    """
    senders = lab.funders[1:5]
    erc20, nft, multi = lab.contracts["erc20"], lab.contracts["erc721"], lab.contracts["erc1155"]
    expected: list[Expected] = []
    next_nft = {s.address: 1000 * (k + 1) for k, s in enumerate(senders)}
    for i in range(count):
        kind = i % 5
        # Spread over the targets; an ERC-20 deposit goes where the native one two steps before went.
        sender, to = senders[i % 4], targets[((i - 2 if kind == 2 else i) * 7) % len(targets)]
        if kind in (0, 1):
            value = 10**17 + i
            txid = lab.send(sender, to, value)
            expected.append(Expected(txid, "in", to, sender.address, "native", value))
        elif kind == 2:
            txid = lab.send(sender, to, token=erc20, value=i + 1)
            expected.append(Expected(txid, "in", to, sender.address, erc20, i + 1))
        elif kind == 3:
            token_id = next_nft[sender.address]
            next_nft[sender.address] += 1
            txid = lab.nft_transfer(sender, to, token_id)
            expected.append(Expected(txid, "in", to, sender.address, f"{nft}/{token_id}", 1))
        elif i % 2:
            txid = lab.multi_transfer(sender, to, i % 3, i + 1)
            expected.append(Expected(txid, "in", to, sender.address, f"{multi}/{i % 3}", i + 1))
        else:
            txid = lab.multi_batch(sender, to, [10, 11], [1, i])
            expected.append(Expected(txid, "in", to, sender.address, f"{multi}/10", 1))
            expected.append(Expected(txid, "in", to, sender.address, f"{multi}/11", i))
        if (i + 1) % per_block == 0:
            lab.mine()
    lab.mine()
    return expected


def withdrawals(lab: EvmLab, accounts: list[Account], received: list[Expected], count: int = 10) -> list[Expected]:
    """Send value out of watched accounts that received ETH (and ERC-20 where they hold some) to the first funder."""
    by_address = {a.address: a for a in accounts}
    erc20, to = lab.contracts["erc20"], lab.funders[0].address
    with_eth = list(dict.fromkeys(e.address for e in received if e.asset == "native" and e.address in by_address))
    with_token = {e.address for e in received if e.asset == erc20}
    out: list[Expected] = []
    for address in with_eth[:count]:
        account = by_address[address]
        txid = lab.send(account, to, 10**16)
        out.append(Expected(txid, "out", address, to, "native", 10**16))
        if address in with_token:
            txid = lab.send(account, to, token=erc20, value=1, gas=100_000)
            out.append(Expected(txid, "out", address, to, erc20, 1))
    lab.mine()
    return out
