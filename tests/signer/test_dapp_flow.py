"""A dApp backend's signer on anvil: a mint contract compiled here from Solidity source (npm ``solc``),
deployed through a signer whose policy allows contract creation, then called through a signer whose
policy allows only ``mint(uint256)`` on that one contract with at most 0.1 ETH.

The allowed call is signed by ``Signer.send_transaction`` and mined, and the contract's state shows it.
Another function of the same contract, the same function on another contract, the allowed function
carrying too much value, a contract creation and a plain payment to the contract are each refused
before anything is signed: the chain's state, the account's nonce and balance do not move.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode as abi_encode

import walletkit as wk
from chains.evm.solc import CompiledContract, compile_solidity
from chains.evm.transaction import EvmTransaction
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.policy import selector

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "contracts" / "MintShop.sol"
ETH = 10**18
PRICE = 10**16  # 0.01 ETH a token


@pytest.fixture(scope="module")
def mint_shop() -> CompiledContract:
    return compile_solidity({"MintShop.sol": SOURCE.read_text()})["MintShop"]


@dataclass
class Dapp:
    anvil: Any
    shop: CompiledContract
    owner: wk.Account
    outsider: wk.Account
    shop_address: str
    other_address: str
    backend: Signer
    store: SQLiteStore

    def fees(self) -> dict[str, int]:
        fees: dict[str, int] = self.anvil.suggest_fees(2)
        return fees

    def nonce(self) -> int:
        return int(self.anvil.w3.eth.get_transaction_count(self.owner.address, "pending"))

    def call(self, contract: str, signature: str, args: list[Any], value: int) -> object:
        """A call the backend prepares, as a dApp backend does: ``account.transfer`` with calldata."""
        types = signature[signature.index("(") + 1 : -1].split(",") if not signature.endswith("()") else []
        data = bytes.fromhex(selector(signature)) + abi_encode(types, args)
        return self.owner.transfer(contract, value, data=data, gas=200_000, nonce=self.nonce(), **self.fees())

    def read(self, address: str, function: str, *args: Any) -> Any:
        contract = self.anvil.w3.eth.contract(address=address, abi=list(self.shop.abi))
        return getattr(contract.functions, function)(*args).call()


def _deploy(anvil: Any, signer: Signer, account: wk.Account, shop: CompiledContract) -> str:
    tx = EvmTransaction(
        chain_id=1,
        nonce=int(anvil.w3.eth.get_transaction_count(account.address, "pending")),
        gas=1_000_000,
        to=None,
        data=shop.bytecode + abi_encode(["uint256"], [PRICE]),
        **anvil.suggest_fees(2),
    )
    # Through the engine: a creation is simulated with eth_call (eth_simulateV1 needs a "to"), then sent.
    txid = signer.send_transaction(account, anvil, tx)
    receipt: Any = anvil.wait(txid)
    return str(receipt["contractAddress"])


@pytest.fixture(scope="module")
def dapp(anvil_eth: Any, mint_shop: CompiledContract, tmp_path_factory: pytest.TempPathFactory) -> Dapp:
    owner, outsider = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(owner.address, 10 * ETH)
    folder = tmp_path_factory.mktemp("dapp")
    deployer = Signer(
        Policy.from_toml("""
[chains.eth]
recipients = []
max_fee = "0.05"
[[chains.eth.calls]]
contract = "create"
"""),
        SQLiteStore(folder / "deployer.db"),
    )
    shop_address = _deploy(anvil_eth, deployer, owner, mint_shop)
    other_address = _deploy(anvil_eth, deployer, owner, mint_shop)
    policy = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = []                      # no plain payments: this backend only mints
max_fee = "0.01"

[[chains.eth.calls]]
contract = "{shop_address.lower()}"  # any spelling: the rule keeps the canonical address
functions = ["mint(uint256)"]
max_value = "0.1"
""")
    store = SQLiteStore(folder / "backend.db")
    return Dapp(anvil_eth, mint_shop, owner, outsider, shop_address, other_address, Signer(policy, store), store)


def test_the_contract_is_deployed_through_the_create_rule(dapp: Dapp) -> None:
    for address in (dapp.shop_address, dapp.other_address):
        code = bytes(dapp.anvil.w3.eth.get_code(address))
        assert len(code) == len(dapp.shop.runtime) > 0  # the compiled runtime, its immutable owner filled in
        assert dapp.read(address, "owner") == dapp.owner.address
        assert dapp.read(address, "price") == PRICE
        assert dapp.read(address, "totalMinted") == 0


def test_allowed_mint_is_signed_and_mined(dapp: Dapp) -> None:
    before = dapp.read(dapp.shop_address, "totalMinted")
    first = dapp.call(dapp.shop_address, "mint(uint256)", [3], 3 * PRICE)
    txid = dapp.backend.send_transaction(dapp.owner, dapp.anvil, first, idempotency_key="mint-1")
    receipt = dapp.anvil.w3.eth.get_transaction_receipt(txid)
    assert receipt["status"] == 1 and receipt["to"] == dapp.shop_address
    assert dapp.read(dapp.shop_address, "totalMinted") == before + 3
    assert dapp.read(dapp.shop_address, "minted", dapp.owner.address) == 3
    assert dapp.anvil.balance(dapp.shop_address) == 3 * PRICE
    # The boundary: exactly max_value (0.1 ETH, 10 tokens) is allowed.
    tx = dapp.call(dapp.shop_address, "mint(uint256)", [10], 10 * PRICE)
    dapp.backend.send_transaction(dapp.owner, dapp.anvil, tx)
    assert dapp.read(dapp.shop_address, "minted", dapp.owner.address) == 13
    # A retry of the first transaction with its key is a replay: the same txid, nothing minted again;
    # the key given with another transaction is a conflict, not a second mint.
    assert dapp.backend.send_transaction(dapp.owner, dapp.anvil, first, idempotency_key="mint-1") == txid
    with pytest.raises(wk.errors.IdempotencyConflict):
        dapp.backend.send_transaction(dapp.owner, dapp.anvil, tx, idempotency_key="mint-1")
    assert dapp.read(dapp.shop_address, "totalMinted") == before + 13
    signed = [e for e in dapp.store.audit_events() if e["decision"] == "signed"]
    assert signed[0]["txid"] == txid
    call = next(e for e in signed[0]["effects"] if e["effect"] == "call")
    assert call == {
        "effect": "call",
        "contract": dapp.shop_address,
        "selector": "a0712d68",  # mint(uint256), as solc's ABI names it
        "value": str(3 * PRICE),
        "detail": call["detail"],
    }


def test_mint_selector_matches_the_compiled_abi(dapp: Dapp) -> None:
    names = {entry["name"] for entry in dapp.shop.abi if entry.get("type") == "function"}
    assert names == {"mint", "minted", "owner", "price", "setPrice", "totalMinted", "withdraw"}
    assert selector("mint(uint256)") == "a0712d68"


REFUSED = [
    pytest.param("shop", "setPrice(uint256)", [1], 0, "contract_call", id="another-function"),
    pytest.param("shop", "withdraw(address)", ["outsider"], 0, "contract_call", id="withdraw"),
    pytest.param("other", "mint(uint256)", [1], PRICE, "contract_call", id="another-contract"),
    pytest.param("shop", "mint(uint256)", [11], 11 * PRICE, "contract_call", id="too-much-value"),
    pytest.param("shop", "", [], PRICE, "recipient_allowlist", id="plain-payment-to-the-contract"),
]


@pytest.mark.parametrize(("target", "signature", "args", "value", "rule"), REFUSED)
def test_calls_the_policy_does_not_name_are_refused(
    dapp: Dapp, target: str, signature: str, args: list[Any], value: int, rule: str
) -> None:
    contract = dapp.shop_address if target == "shop" else dapp.other_address
    args = [dapp.outsider.address if a == "outsider" else a for a in args]
    if signature:
        tx = dapp.call(contract, signature, args, value)
    else:
        tx = dapp.owner.transfer(contract, value, gas=21_000, nonce=dapp.nonce(), **dapp.fees())
    state = {name: dapp.read(contract, name) for name in ("price", "totalMinted")} | {
        "balance": dapp.anvil.balance(contract),
        "nonce": dapp.nonce(),
    }
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        dapp.backend.send_transaction(dapp.owner, dapp.anvil, tx, idempotency_key=f"refused-{target}-{signature}")
    assert refused.value.rule == rule
    if rule == "contract_call":
        assert contract in str(refused.value)
    after = {name: dapp.read(contract, name) for name in ("price", "totalMinted")} | {
        "balance": dapp.anvil.balance(contract),
        "nonce": dapp.nonce(),
    }
    assert after == state  # nothing was signed or sent
    last = dapp.store.audit_events()[-1]
    assert last["decision"] == "refused" and last["rule"] == rule


def test_contract_creation_is_refused_by_the_backend_policy(dapp: Dapp) -> None:
    tx = EvmTransaction(
        chain_id=1,
        nonce=dapp.nonce(),
        gas=1_000_000,
        to=None,
        data=dapp.shop.bytecode + abi_encode(["uint256"], [0]),
        **dapp.fees(),
    )
    nonce = dapp.nonce()
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        dapp.backend.sign_transaction(dapp.owner, tx)
    assert refused.value.rule == "contract_call" and "create" in str(refused.value)
    assert dapp.nonce() == nonce


def test_a_source_that_does_not_compile_names_solc_error() -> None:
    with pytest.raises(wk.errors.InvalidInput, match=r"do not compile.*Undeclared identifier"):
        compile_solidity({"Bad.sol": "pragma solidity ^0.8.0; contract Bad { function f() external { x = 1; } }"})


def test_a_creation_that_would_revert_is_refused_by_simulation(dapp: Dapp) -> None:
    deployer = Signer(
        Policy.from_toml('[chains.eth]\nrecipients = []\nmax_fee = "0.05"\n[[chains.eth.calls]]\ncontract = "create"'),
        SQLiteStore(),
    )
    nonce = int(dapp.anvil.w3.eth.get_transaction_count(dapp.owner.address, "pending"))
    reverting = EvmTransaction(  # init code: PUSH1 0 PUSH1 0 REVERT
        chain_id=1, nonce=nonce, gas=100_000, to=None, data=bytes.fromhex("60006000fd"), **dapp.anvil.suggest_fees(2)
    )
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        deployer.send_transaction(dapp.owner, dapp.anvil, reverting)
    assert refused.value.rule == "simulation"
    assert int(dapp.anvil.w3.eth.get_transaction_count(dapp.owner.address, "pending")) == nonce  # nothing sent
