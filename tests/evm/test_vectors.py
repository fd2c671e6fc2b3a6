"""EVM vectors: EIP-155, eth-account's signing fixtures, typed transactions, EIP-712 Mail, EIP-55."""

from __future__ import annotations

import pytest

import walletkit as wk
from chains.evm.address import checksum_encode, parse_address
from chains.evm.messages import personal_hash
from chains.evm.transaction import EvmTransaction, parse_access_list
from chains.evm.typed_data import encode as typed_data_digest
from tests.conftest import load_vectors
from walletkit.errors import InvalidAddress

EIP155 = load_vectors("eth_eip155_example")
ETH_ACCOUNT = load_vectors("eth_account_tx_and_message_vectors")
MAIL = load_vectors("eth_eip712_mail_example")
EIP55 = load_vectors("eth_eip55_checksum_vectors")["valid_checksummed_addresses"]


def _int(value: object) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)  # type: ignore[call-overload]


def test_eip155_example() -> None:
    tx = EIP155["tx"]
    account = wk.Account.from_private_key("eth", EIP155["private_key"])
    unsigned = account.transfer(tx["to"], tx["value"], nonce=tx["nonce"], gas=tx["gasLimit"], gas_price=tx["gasPrice"])
    assert unsigned.signing_hash().hex() == EIP155["signing_hash"][2:]  # type: ignore[attr-defined]
    signed = account.sign(unsigned)
    assert "0x" + signed.hex() == EIP155["signed_tx"]


@pytest.mark.parametrize("case", ETH_ACCOUNT["test_eth_account_sign_transaction"], ids=lambda c: c["id"])
def test_eth_account_sign_transaction(case: dict[str, object]) -> None:
    txn = case["txn"]
    assert isinstance(txn, dict)
    fields = {
        "nonce": _int(txn["nonce"]),
        "gas": _int(txn["gas"]),
        "access_list": parse_access_list(txn.get("accessList")),
    }
    if "gasPrice" in txn:
        fields["gas_price"] = _int(txn["gasPrice"])
    tx = EvmTransaction(
        chain_id=_int(txn["chainId"]),
        to=parse_address(txn["to"]),
        value=_int(txn["value"]),
        data=bytes.fromhex(str(txn.get("data", "0x"))[2:]),
        tx_type=_int(txn.get("type", 0)),
        **fields,  # type: ignore[arg-type]
    )
    signed = tx.sign(bytes.fromhex(str(case["private_key"])[2:]), "eth")
    assert "0x" + signed.hex() == case["expected_raw_tx"]
    assert signed.txid == case["tx_hash"]


@pytest.mark.parametrize("case", ETH_ACCOUNT["typed_transactions_TEST_CASES"], ids=lambda c: c["id"])
def test_typed_transaction_encoding(case: dict[str, object]) -> None:
    t = case["transaction"]
    assert isinstance(t, dict)
    tx_type = _int(t["type"]) if "type" in t else (2 if "maxFeePerGas" in t else 1)
    fees = (
        {"gas_price": _int(t["gasPrice"])}
        if tx_type == 1
        else {"max_fee_per_gas": _int(t["maxFeePerGas"]), "max_priority_fee_per_gas": _int(t["maxPriorityFeePerGas"])}
    )
    tx = EvmTransaction(
        chain_id=_int(t["chainId"]),
        nonce=_int(t["nonce"]),
        gas=_int(t["gas"]),
        to=parse_address(t["to"]) if t.get("to") else None,
        value=_int(t["value"]),
        data=bytes.fromhex(str(t["data"])[2:]),
        tx_type=tx_type,
        access_list=parse_access_list(t["accessList"]),
        **fees,
    )
    assert "0x" + tx.signing_hash().hex() == case["expected_hash"]
    raw = tx.encode_signed(_int(t["v"]), _int(t["r"]), _int(t["s"]))
    assert "0x" + raw.hex() == case["expected_raw_transaction"]


@pytest.mark.parametrize("case", ETH_ACCOUNT["test_eth_account_sign"], ids=lambda c: c["id"])
def test_personal_sign(case: dict[str, object]) -> None:
    account = wk.Account.from_private_key("eth", str(case["key"]))
    assert "0x" + personal_hash(str(case["message"])).hex() == case["expected_hash"]
    signature = account.sign_message(str(case["message"]))
    assert signature == case["signature"]
    assert wk.verify_message("eth", account.address, str(case["message"]), signature)


def test_eip712_mail() -> None:
    assert "0x" + typed_data_digest(MAIL["typed_data"]).hex() == MAIL["signing_hash"]
    account = wk.Account.from_private_key("eth", MAIL["private_key"])
    assert account.address == MAIL["signer_address"]
    signature = account.plugin.sign_typed_data(account, MAIL["typed_data"])  # type: ignore[attr-defined]
    assert int(signature[2:66], 16) == _int(MAIL["r"]) and int(signature[130:], 16) == MAIL["v"]


def test_eip712_refuses_another_chain_id() -> None:
    """Failure class 24: a domain chainId that is not the account's is refused (EIP-712; hubble-contracts#587)."""
    account = wk.Account.from_private_key("bsc", MAIL["private_key"])  # chain id 56; the Mail domain says 1
    with pytest.raises(wk.errors.ChainMismatch, match="chain id 1, but this account is on chain id 56"):
        account.plugin.sign_typed_data(account, MAIL["typed_data"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("address", [a for group in EIP55.values() for a in group])
def test_eip55_valid(address: str) -> None:
    canonical = wk.validate_address("eth", address)
    assert canonical.lower() == address.lower()
    assert checksum_encode(parse_address(address)) == canonical


@pytest.mark.parametrize("address", EIP55["Normal"])
def test_eip55_one_flipped_case_is_refused(address: str) -> None:
    """Failure class 25: a mixed-case address with one letter's case flipped must not pass (ethereumjs-util#54)."""
    i = next(i for i, c in enumerate(address[2:], start=2) if c.isalpha())
    flipped = address[:i] + address[i].swapcase() + address[i + 1 :]
    with pytest.raises(InvalidAddress, match="EIP-55 checksum mismatch"):
        wk.validate_address("eth", flipped)
