"""Every integer field of the EVM builders at the edges of its spec range, from both sides (issue 16, item 2).

- nonce: a transaction with a nonce of 2^64-1 or more is invalid (EIP-2681); 2^64-2 is the last.
- gas: a uint64 (EIP-4844 and EIP-7702 payloads, every client).
- chain id, value, gas price, both EIP-1559 fees: below 2^256 (EIP-1559's asserts).
- tx_type: one of the types walletkit signs (0, 1, 2, 4); an EIP-2718 type is a byte.
- EIP-7702 authorizations: chain id < 2^256, nonce < 2^64-1 (a tuple at 2^64-1 is skipped),
  y_parity 0 or 1, 0 < r < n, 0 < s <= n/2 (EIP-2): walletkit signs and carries only tuples
  that can take effect.

The nonce edge is also shown on anvil: 2^64-2 is mined, 2^64-1 (signed by eth-account, which
allows it) is never included.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account as EthAccount

import walletkit as wk
from chains.evm.transaction import Authorization, EvmTransaction, sign_authorization
from walletkit.crypto import secp256k1

U64_MAX = 2**64 - 1
U256_MAX = 2**256 - 1
KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TO = "0xF0109fC8DF283027b6285cc889F5aA624EaC1F55"
FEES = {"max_fee_per_gas": 30 * 10**9, "max_priority_fee_per_gas": 10**9}
ETHER = 10**18


@pytest.fixture
def account() -> wk.Account:
    return wk.Account.from_private_key("eth", KEY)


def _build(account: wk.Account, amount: int = 1, **fields: object) -> Any:
    base: dict[str, object] = {"nonce": 0, "gas": 21_000, **FEES}
    base.update(fields)
    return account.transfer(TO, amount, **base)


def _same_as_eth_account(account: wk.Account, tx: EvmTransaction) -> None:
    """The signed bytes at an edge are eth-account's: the value is encoded, not only accepted."""
    theirs: dict[str, object] = {
        "to": TO,
        "value": tx.value,
        "nonce": tx.nonce,
        "gas": tx.gas,
        "chainId": tx.chain_id,
        "data": tx.data,
    }
    if tx.tx_type == 2:
        theirs.update(type=2, maxFeePerGas=tx.max_fee_per_gas, maxPriorityFeePerGas=tx.max_priority_fee_per_gas)
    else:
        theirs["gasPrice"] = tx.gas_price
    expected = EthAccount.sign_transaction(theirs, account.signing_key().secret_bytes())
    assert account.sign(tx).raw == bytes(expected.raw_transaction)


@pytest.mark.parametrize(
    ("field", "top", "rule"),
    [
        ("nonce", U64_MAX - 1, r"0 to 2\^64-2 \(EIP-2681\)"),
        ("gas", U64_MAX, r"0 to 2\^64-1 \(a 64-bit integer\)"),
        ("max_fee_per_gas", U256_MAX, r"0 to 2\^256-1 \(EIP-1559\)"),
        ("gas_price", U256_MAX, r"0 to 2\^256-1 \(a 256-bit integer\)"),
    ],
)
def test_integer_field_edges(account: wk.Account, field: str, top: int, rule: str) -> None:
    fields: dict[str, object] = {field: top}
    if field == "gas_price":
        fields = {"gas_price": top, "max_fee_per_gas": None, "max_priority_fee_per_gas": None}
    tx = _build(account, **fields)
    assert getattr(tx, field) == top
    _same_as_eth_account(account, tx)
    over = dict(fields, **{field: top + 1})
    with pytest.raises(wk.errors.InvalidTransaction, match=rf"{field} must be from {rule}, got {top + 1}"):
        _build(account, **over)
    for bad in (-1, True, 1.0, "1"):
        with pytest.raises(wk.errors.InvalidTransaction, match=field):
            _build(account, **dict(fields, **{field: bad}))


def test_priority_fee_edges(account: wk.Account) -> None:
    tx = _build(account, max_fee_per_gas=U256_MAX, max_priority_fee_per_gas=U256_MAX)
    _same_as_eth_account(account, tx)
    with pytest.raises(wk.errors.InvalidTransaction, match=r"max_priority_fee_per_gas must be from 0 to 2\^256-1"):
        _build(account, max_fee_per_gas=U256_MAX, max_priority_fee_per_gas=U256_MAX + 1)
    with pytest.raises(wk.errors.InvalidTransaction, match="must not exceed max_fee_per_gas"):
        _build(account, max_fee_per_gas=10, max_priority_fee_per_gas=11)
    _build(account, max_fee_per_gas=10, max_priority_fee_per_gas=10)


def test_value_edges(account: wk.Account) -> None:
    _same_as_eth_account(account, _build(account, U256_MAX))
    with pytest.raises(wk.errors.InvalidTransaction, match=r"value must be from 0 to 2\^256-1"):
        _build(account, U256_MAX + 1)


def test_chain_id_edges(account: wk.Account) -> None:
    _build(account, chain_id=1)
    with pytest.raises(wk.errors.ChainMismatch, match="chain id 2 does not match eth mainnet"):
        _build(account, chain_id=2)
    for bad in (True, -1, U256_MAX + 1, "1"):
        with pytest.raises(wk.errors.InvalidTransaction, match="chain_id must"):
            _build(account, chain_id=bad)
    top = EvmTransaction(chain_id=U256_MAX, nonce=0, gas=21_000, to=bytes(20), **FEES)  # type: ignore[arg-type]
    assert top.chain_id == U256_MAX
    with pytest.raises(wk.errors.InvalidTransaction, match=r"chain_id must be from 0 to 2\^256-1"):
        EvmTransaction(chain_id=U256_MAX + 1, nonce=0, gas=21_000, to=bytes(20), **FEES)  # type: ignore[arg-type]


def test_tx_type_edges(account: wk.Account) -> None:
    for known in (0, 1, 2):
        fields: dict[str, object] = {"tx_type": known}
        if known < 2:
            fields.update(gas_price=1, max_fee_per_gas=None, max_priority_fee_per_gas=None)
        assert _build(account, **fields).tx_type == known
    for bad in (3, 5, 255):
        with pytest.raises(wk.errors.InvalidTransaction, match="tx_type must be one of 0, 1, 2, 4"):
            _build(account, tx_type=bad)
    with pytest.raises(wk.errors.InvalidTransaction, match=r"tx_type must be from 0 to 255 \(EIP-2718\)"):
        _build(account, tx_type=256)


def test_the_constructor_checks_what_the_builder_checks() -> None:
    good: dict[str, Any] = {"chain_id": 1, "nonce": U64_MAX - 1, "gas": U64_MAX, "to": bytes(20), "value": U256_MAX}
    EvmTransaction(**good, **FEES)
    for name, bad in (("nonce", U64_MAX), ("gas", U64_MAX + 1), ("value", U256_MAX + 1), ("nonce", True)):
        with pytest.raises(wk.errors.InvalidTransaction, match=name):
            EvmTransaction(**dict(good, **{name: bad}), **FEES)
    with pytest.raises(wk.errors.InvalidTransaction, match="gas_price must"):
        EvmTransaction(**good, tx_type=0, gas_price=-1)
    with pytest.raises(wk.errors.InvalidTransaction, match="data must be bytes"):
        EvmTransaction(**good, data="0x00", **FEES)  # type: ignore[arg-type]


# --- EIP-7702 authorizations -------------------------------------------------------------------

N, HALF_N = secp256k1.N, secp256k1.HALF_N


def _auth(**overrides: Any) -> Authorization:
    fields: dict[str, Any] = {"chain_id": 1, "address": bytes(20), "nonce": 0, "y_parity": 0, "r": 1, "s": 1}
    fields.update(overrides)
    return Authorization(**fields)


@pytest.mark.parametrize(
    ("field", "good", "bad", "message"),
    [
        ("chain_id", U256_MAX, U256_MAX + 1, r"chain_id must be from 0 to 2\^256-1"),
        ("nonce", U64_MAX - 1, U64_MAX, r"nonce must be from 0 to 2\^64-2 \(EIP-7702 skips a tuple at 2\^64-1\)"),
        ("y_parity", 1, 2, "y_parity is 0 or 1"),
        ("r", N - 1, N, r"r must be in 1\.\.n-1"),
        ("r", 1, 0, r"r must be in 1\.\.n-1"),
        ("s", HALF_N, HALF_N + 1, r"s must be in 1\.\.n/2"),
        ("s", 1, 0, r"s must be in 1\.\.n/2"),
    ],
)
def test_authorization_edges(field: str, good: int, bad: int, message: str) -> None:
    assert getattr(_auth(**{field: good}), field) == good
    with pytest.raises(wk.errors.InvalidTransaction, match=message):
        _auth(**{field: bad})
    with pytest.raises(wk.errors.InvalidTransaction):
        _auth(**{field: True if good != 1 else -1})


def test_authorization_address_and_signing_edges() -> None:
    for bad in (bytes(19), bytes(21), "0x" + "00" * 20):
        with pytest.raises(wk.errors.InvalidTransaction, match="address is 20 bytes"):
            _auth(address=bad)
    secret = bytes.fromhex(KEY[2:])
    top = sign_authorization(secret, U256_MAX, bytes(20), U64_MAX - 1)
    assert (top.chain_id, top.nonce) == (U256_MAX, U64_MAX - 1) and top.s <= HALF_N
    with pytest.raises(wk.errors.InvalidTransaction, match="nonce must be from 0 to 2\\^64-2"):
        sign_authorization(secret, 1, bytes(20), U64_MAX)
    with pytest.raises(wk.errors.InvalidTransaction, match="chain_id must be from 0 to 2\\^256-1"):
        sign_authorization(secret, U256_MAX + 1, bytes(20), 0)
    with pytest.raises(wk.errors.InvalidTransaction, match="address is 20 bytes"):
        sign_authorization(secret, 1, bytes(19), 0)


# --- on anvil ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def node(wk_engine: Any) -> Any:
    return wk_engine("eth", chain_id=1)


def _set_nonce(node: Any, address: str, nonce: int) -> None:
    node.w3.provider.make_request("anvil_setNonce", [address, hex(nonce)])
    assert node.w3.eth.get_transaction_count(address) == nonce


def test_the_last_nonce_is_mined_and_the_next_is_never_included(node: Any) -> None:
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    node.fund(sender.address, ETHER)
    _set_nonce(node, sender.address, U64_MAX - 1)
    fees = {"max_fee_per_gas": 2 * node.w3.eth.gas_price, "max_priority_fee_per_gas": 1}
    txid = sender.connect(node).send(receiver.address, 5, **fees)
    assert node.w3.eth.get_transaction_receipt(txid)["status"] == 1
    assert node.w3.eth.get_transaction_count(sender.address) == U64_MAX
    with pytest.raises(wk.errors.InvalidTransaction, match="EIP-2681"):
        sender.transfer(receiver.address, 5, nonce=U64_MAX, gas=21_000, **fees)
    fields = {"to": receiver.address, "value": 5, "nonce": U64_MAX, "gas": 21_000, "chainId": 1, "type": 2}
    fields.update(maxFeePerGas=fees["max_fee_per_gas"], maxPriorityFeePerGas=1)
    theirs = EthAccount.sign_transaction(fields, sender.signing_key().secret_bytes())  # eth-account signs it
    node.w3.eth.send_raw_transaction(theirs.raw_transaction)
    node.mine(2)
    assert node.balance(receiver.address) == 5  # only walletkit's transfer landed
    assert node.w3.eth.get_transaction_count(sender.address) == U64_MAX


def test_an_authorization_at_the_last_nonce_takes_effect(node: Any) -> None:
    sender, authority = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    node.fund(sender.address, ETHER)
    token = node.deploy_test_token(sender, 10**6)
    _set_nonce(node, authority.address, U64_MAX - 1)
    auth = sign_authorization(authority.signing_key().secret_bytes(), 1, bytes.fromhex(token[2:]), U64_MAX - 1)
    sender.connect(node).send(sender.address, 0, authorization_list=[auth], gas=100_000)
    assert node.w3.eth.get_code(authority.address).hex().startswith("ef0100")
    assert node.w3.eth.get_transaction_count(authority.address) == U64_MAX
