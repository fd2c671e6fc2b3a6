"""Typed-data effects: permits decoded into the approvals and transfers they allow.

Documents are written as dApps send them to ``eth_signTypedData_v4`` (mixed-case and lowercase
addresses, numbers as JSON ints, decimal text and hex text). Expected effects are written by hand
from the specs: EIP-2612, DAI's permit (``uint wad = allowed ? uint(-1) : 0``), Permit2's
``PermitHash.sol`` and ``Allowance.sol`` (expiration 0 means the permit's own block), EIP-3009.

The hash checks are independent of the decoder: each permit's struct hash is computed the way its
contract computes it (``keccak256(abi.encode(TYPEHASH, ...))`` with the typehash constants and
mainnet domain separators the contracts publish), then compared with eth-account's digest and with
walletkit's own EIP-712 hashing of the same document.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

import walletkit as wk
from chains.evm.typed_data import typed_data_hash
from chains.tron import typed_data as tip712
from chains.tron.address import parse_address as tron_address
from tests.conftest import load_vectors
from walletkit.effects import Approval, Transfer, TypedDataSignature
from walletkit.errors import ChainMismatch, InvalidAddress, InvalidMessage, PolicyViolation
from walletkit.signer.typed_data import MAX_FIELDS, typed_data_effects

EVM = functools.partial(wk.validate_address, "eth")
TRON = functools.partial(wk.validate_address, "tron")
KEY = "0x" + "4c" * 32

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
UNI = "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
UNIVERSAL_ROUTER = "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD"
SWAP_ROUTER = "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45"
REACTOR = "0x6000da47483062A0D734Ba3dc7576Ce6A0B645C4"
OWNER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
PAYEE = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
MAX160 = "1461501637330902918203684832716283019655932542975"  # 2^160 - 1
MAX256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935"  # 2^256 - 1

# Published by the contracts (keccak256 of their type strings; mainnet DOMAIN_SEPARATOR()).
TYPEHASH = {
    "EIP-2612": "6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9",
    "DAI": "ea2aa0a1be11a07ed86d755c93467f4f82362b452371d1ba94d1715123511acb",
    "PermitDetails": "65626cad6cb96493bf6f5ebea28756c966f023ab9e8a83a7101849d5573b3678",
    "PermitSingle": "f3841cd1ff0085026a6327b620b67997ce40f282c88a8e905a7a5626e310f3d0",
    "PermitBatch": "af1b0d30d2cab0380e68f0689007e3254993c596f2fdd0aaa7f4d04f79440863",
    "TokenPermissions": "618358ac3db8dc274f0cd8829da7e234bd48cd73c4a740aede1adec9846d06a1",
    "PermitTransferFrom": "939c21a48a8dbe3a9a2404a1d46691e4d39f6583d6ec6b35714604c986d80106",
    "PermitBatchTransferFrom": "fcf35f5ac6a2c28868dc44c302166470266239195f02b0ee408334829333b766",
    "TransferWithAuthorization": "7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267",
    "ReceiveWithAuthorization": "d099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8",
}
DOMAIN_SEPARATOR = {
    USDC: "06c37168a7db5138defc7866392bb87a741f9b3d104deb5094588ce041cae335",
    DAI: "dbb8cf42e1ecb028be3f3dbc922e1d878b963f411dc388ced501601c60f7c6f7",
    PERMIT2: "866a5aba21966af95d6c7ab78eb2b2fc913915c28be3b9aa07cc04ff903e3f28",
}

DOMAIN_FULL = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
DOMAIN_PERMIT2 = [
    {"name": "name", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def _fields(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": n, "type": t} for n, t in pairs]


EIP2612_TYPE = _fields(
    ("owner", "address"), ("spender", "address"), ("value", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")
)
DAI_TYPE = _fields(
    ("holder", "address"), ("spender", "address"), ("nonce", "uint256"), ("expiry", "uint256"), ("allowed", "bool")
)
DETAILS_TYPE = _fields(("token", "address"), ("amount", "uint160"), ("expiration", "uint48"), ("nonce", "uint48"))
PERMISSIONS_TYPE = _fields(("token", "address"), ("amount", "uint256"))
EIP3009_TYPE = _fields(
    ("from", "address"),
    ("to", "address"),
    ("value", "uint256"),
    ("validAfter", "uint256"),
    ("validBefore", "uint256"),
    ("nonce", "bytes32"),
)
TRANSFER_FROM = [("spender", "address"), ("nonce", "uint256"), ("deadline", "uint256")]
WITNESS_TYPE = _fields(("recipient", "address"), ("tokenOut", "address"), ("minAmountOut", "uint256"))
AUTH_NONCE = "0x" + "7d" * 16 + "e1" * 16


def _usdc_permit(value: object = "1500000000") -> dict[str, Any]:
    """EIP-2612 on USDC, as ethers' signTypedData sends it (value as text, the rest as numbers)."""
    return {
        "types": {"EIP712Domain": DOMAIN_FULL, "Permit": EIP2612_TYPE},
        "primaryType": "Permit",
        "domain": {"name": "USD Coin", "version": "2", "chainId": 1, "verifyingContract": USDC},
        "message": {
            "owner": OWNER,
            "spender": SWAP_ROUTER.lower(),
            "value": value,
            "nonce": 0,
            "deadline": 1735689600,
        },
    }


def _dai_permit(allowed: object = True, expiry: object = 0) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": DOMAIN_FULL, "Permit": DAI_TYPE},
        "primaryType": "Permit",
        "domain": {"name": "Dai Stablecoin", "version": "1", "chainId": 1, "verifyingContract": DAI},
        "message": {"holder": OWNER, "spender": SWAP_ROUTER, "nonce": 3, "expiry": expiry, "allowed": allowed},
    }


def _permit2(primary: str, types: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """Permit2 as the Uniswap interface sends it: lowercase addresses, every number as text."""
    return {
        "types": {"EIP712Domain": DOMAIN_PERMIT2, **types},
        "primaryType": primary,
        "domain": {"name": "Permit2", "chainId": "1", "verifyingContract": PERMIT2.lower()},
        "message": message,
    }


def _permit_single(amount: str = MAX160, expiration: str = "1738281600") -> dict[str, Any]:
    return _permit2(
        "PermitSingle",
        {
            "PermitSingle": _fields(("details", "PermitDetails"), ("spender", "address"), ("sigDeadline", "uint256")),
            "PermitDetails": DETAILS_TYPE,
        },
        {
            "details": {"token": USDC.lower(), "amount": amount, "expiration": expiration, "nonce": "0"},
            "spender": UNIVERSAL_ROUTER.lower(),
            "sigDeadline": "1735691400",
        },
    )


def _permit_batch() -> dict[str, Any]:
    return _permit2(
        "PermitBatch",
        {
            "PermitBatch": _fields(("details", "PermitDetails[]"), ("spender", "address"), ("sigDeadline", "uint256")),
            "PermitDetails": DETAILS_TYPE,
        },
        {
            "details": [
                {"token": USDC.lower(), "amount": "500000000", "expiration": "1738281600", "nonce": "4"},
                {"token": DAI.lower(), "amount": MAX160, "expiration": "1738281600", "nonce": "0"},
                {"token": UNI.lower(), "amount": "0x3635c9adc5dea00000", "expiration": "0", "nonce": "1"},
            ],
            "spender": UNIVERSAL_ROUTER.lower(),
            "sigDeadline": "1735691400",
        },
    )


def _permit_transfer_from() -> dict[str, Any]:
    return _permit2(
        "PermitTransferFrom",
        {
            "PermitTransferFrom": _fields(("permitted", "TokenPermissions"), *TRANSFER_FROM),
            "TokenPermissions": PERMISSIONS_TYPE,
        },
        {
            "permitted": {"token": WETH.lower(), "amount": "2000000000000000000"},
            "spender": REACTOR.lower(),
            "nonce": "1993349843498475640164930289302052480",
            "deadline": "1735689600",
        },
    )


def _permit_batch_transfer_from() -> dict[str, Any]:
    return _permit2(
        "PermitBatchTransferFrom",
        {
            "PermitBatchTransferFrom": _fields(("permitted", "TokenPermissions[]"), *TRANSFER_FROM),
            "TokenPermissions": PERMISSIONS_TYPE,
        },
        {
            "permitted": [
                {"token": WETH.lower(), "amount": "2000000000000000000"},
                {"token": USDC.lower(), "amount": "75000000"},
            ],
            "spender": REACTOR.lower(),
            "nonce": "77",
            "deadline": "1735689600",
        },
    )


def _witness(batch: bool) -> dict[str, Any]:
    """A witness order in the UniswapX style: the swap the signature is bound to."""
    primary = "PermitBatchWitnessTransferFrom" if batch else "PermitWitnessTransferFrom"
    permitted = {"token": WETH.lower(), "amount": "2000000000000000000"}
    return _permit2(
        primary,
        {
            primary: _fields(
                ("permitted", "TokenPermissions[]" if batch else "TokenPermissions"),
                *TRANSFER_FROM,
                ("witness", "SwapOrder"),
            ),
            "SwapOrder": WITNESS_TYPE,
            "TokenPermissions": PERMISSIONS_TYPE,
        },
        {
            "permitted": [permitted, {"token": UNI.lower(), "amount": "5"}] if batch else permitted,
            "spender": REACTOR.lower(),
            "nonce": "12",
            "deadline": "1735689600",
            "witness": {"recipient": OWNER, "tokenOut": USDC.lower(), "minAmountOut": "6400000000"},
        },
    )


def _authorization(primary: str = "TransferWithAuthorization") -> dict[str, Any]:
    """EIP-3009 on USDC (x402-style payment): a signed transfer anyone can submit."""
    return {
        "types": {"EIP712Domain": DOMAIN_FULL, primary: EIP3009_TYPE},
        "primaryType": primary,
        "domain": {"name": "USD Coin", "version": "2", "chainId": 1, "verifyingContract": USDC},
        "message": {
            "from": OWNER,
            "to": PAYEE,
            "value": "250000000",
            "validAfter": "0",
            "validBefore": "1735689600",
            "nonce": AUTH_NONCE,
        },
    }


# --- each permit kind ----------------------------------------------------------------------------


def test_eip2612_usdc_permit_is_an_approval_with_its_fields() -> None:
    effects = typed_data_effects(_usdc_permit(), EVM, 1)
    assert effects == [
        TypedDataSignature(
            USDC,
            "Permit",
            1,
            {
                "domain.name": "USD Coin",
                "domain.version": "2",
                "domain.chainId": "1",
                "domain.verifyingContract": USDC,
                "message.owner": OWNER,
                "message.spender": SWAP_ROUTER,
                "message.value": "1500000000",
                "message.nonce": "0",
                "message.deadline": "1735689600",
            },
        ),
        Approval(USDC, SWAP_ROUTER, 1_500_000_000, deadline=1735689600),
    ]


@pytest.mark.parametrize("value", [MAX256, int(MAX256), "0x" + "f" * 64, "0X" + "F" * 64])
def test_eip2612_max_value_is_unlimited(value: object) -> None:
    assert typed_data_effects(_usdc_permit(value), EVM, 1)[1] == Approval(USDC, SWAP_ROUTER, None, deadline=1735689600)


def test_eip2612_one_below_max_is_a_number() -> None:
    below = int(MAX256) - 1
    assert typed_data_effects(_usdc_permit(str(below)), EVM, 1)[1].amount == below  # type: ignore[union-attr]


def test_dai_permit_allowed_is_unlimited_and_expiry_zero_never_expires() -> None:
    effects = typed_data_effects(_dai_permit(True, 0), EVM, 1)
    assert effects[1:] == [Approval(DAI, SWAP_ROUTER, None, deadline=None)]
    assert effects[0].fields["message.allowed"] == "true"  # type: ignore[union-attr]
    assert effects[0].fields["message.holder"] == OWNER  # type: ignore[union-attr]


def test_dai_permit_not_allowed_revokes_until_expiry() -> None:
    effects = typed_data_effects(_dai_permit(False, "1767225600"), EVM, 1)
    assert effects[1:] == [Approval(DAI, SWAP_ROUTER, 0, deadline=1767225600)]


def test_permit2_single_unlimited() -> None:
    effects = typed_data_effects(_permit_single(), EVM, 1)
    assert effects[0] == TypedDataSignature(
        PERMIT2,
        "PermitSingle",
        1,
        {
            "domain.name": "Permit2",
            "domain.chainId": "1",
            "domain.verifyingContract": PERMIT2,
            "message.details.token": USDC,
            "message.details.amount": MAX160,
            "message.details.expiration": "1738281600",
            "message.details.nonce": "0",
            "message.spender": UNIVERSAL_ROUTER,
            "message.sigDeadline": "1735691400",
        },
    )
    assert effects[1:] == [Approval(USDC, UNIVERSAL_ROUTER, None, deadline=1738281600)]


def test_permit2_single_amount_and_expiration_zero_ends_at_sig_deadline() -> None:
    effects = typed_data_effects(_permit_single("1000000000", "0"), EVM, 1)
    assert effects[1:] == [Approval(USDC, UNIVERSAL_ROUTER, 1_000_000_000, deadline=1735691400)]


def test_permit2_single_one_below_uint160_max_is_a_number() -> None:
    below = str(int(MAX160) - 1)
    assert typed_data_effects(_permit_single(below), EVM, 1)[1].amount == int(below)  # type: ignore[union-attr]


def test_permit2_batch_is_one_approval_per_entry() -> None:
    effects = typed_data_effects(_permit_batch(), EVM, 1)
    assert effects[1:] == [
        Approval(USDC, UNIVERSAL_ROUTER, 500_000_000, deadline=1738281600),
        Approval(DAI, UNIVERSAL_ROUTER, None, deadline=1738281600),
        Approval(UNI, UNIVERSAL_ROUTER, 1000 * 10**18, deadline=1735691400),
    ]
    assert effects[0].fields["message.details[2].token"] == UNI  # type: ignore[union-attr]


def test_permit2_transfer_from_is_a_transfer_to_the_spender() -> None:
    effects = typed_data_effects(_permit_transfer_from(), EVM, 1)
    assert effects[1:] == [Transfer(WETH, REACTOR, 2 * 10**18)]
    assert effects[0].contract == PERMIT2  # type: ignore[union-attr]


def test_permit2_batch_transfer_from_is_one_transfer_per_entry() -> None:
    effects = typed_data_effects(_permit_batch_transfer_from(), EVM, 1)
    assert effects[1:] == [Transfer(WETH, REACTOR, 2 * 10**18), Transfer(USDC, REACTOR, 75_000_000)]


def test_permit2_witness_transfer_from_and_its_witness_fields() -> None:
    effects = typed_data_effects(_witness(batch=False), EVM, 1)
    assert effects[1:] == [Transfer(WETH, REACTOR, 2 * 10**18)]
    fields = effects[0].fields  # type: ignore[union-attr]
    assert fields["message.witness.recipient"] == OWNER
    assert fields["message.witness.tokenOut"] == USDC
    assert fields["message.witness.minAmountOut"] == "6400000000"


def test_permit2_batch_witness_transfer_from() -> None:
    effects = typed_data_effects(_witness(batch=True), EVM, 1)
    assert effects[1:] == [Transfer(WETH, REACTOR, 2 * 10**18), Transfer(UNI, REACTOR, 5)]


@pytest.mark.parametrize("primary", ["TransferWithAuthorization", "ReceiveWithAuthorization"])
def test_eip3009_authorization_is_a_transfer(primary: str) -> None:
    effects = typed_data_effects(_authorization(primary), EVM, 1)
    assert effects[1:] == [Transfer(USDC, PAYEE, 250_000_000)]
    assert effects[0].fields["message.nonce"] == AUTH_NONCE  # type: ignore[union-attr]


def test_unknown_primary_type_is_the_signature_alone() -> None:
    mail = load_vectors("eth_eip712_mail_example")["typed_data"]
    assert typed_data_effects(mail, EVM, 1) == [
        TypedDataSignature(
            "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
            "Mail",
            1,
            {
                "domain.name": "Ether Mail",
                "domain.version": "1",
                "domain.chainId": "1",
                "domain.verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
                "message.from.name": "Cow",
                "message.from.wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826",
                "message.to.name": "Bob",
                "message.to.wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
                "message.contents": "Hello, Bob!",
            },
        )
    ]


def test_cancel_authorization_is_not_a_permit() -> None:
    document = _authorization()
    document["types"] = {
        "EIP712Domain": DOMAIN_FULL,
        "CancelAuthorization": _fields(("authorizer", "address"), ("nonce", "bytes32")),
    }
    document["primaryType"] = "CancelAuthorization"
    document["message"] = {"authorizer": OWNER, "nonce": AUTH_NONCE}
    effects = typed_data_effects(document, EVM, 1)
    assert [type(e) for e in effects] == [TypedDataSignature]


def test_a_domain_without_verifying_contract_has_no_contract() -> None:
    document = {
        "types": {"Login": _fields(("nonce", "uint256"))},
        "primaryType": "Login",
        "domain": {"name": "app", "chainId": 1},
        "message": {"nonce": "0x10"},
    }
    assert typed_data_effects(document, EVM, 1) == [
        TypedDataSignature(None, "Login", 1, {"domain.name": "app", "domain.chainId": "1", "message.nonce": "16"})
    ]


def test_many_fields_are_cut_and_counted() -> None:
    document = {
        "types": {"Bag": _fields(("items", "uint256[]"), ("note", "string"))},
        "primaryType": "Bag",
        "domain": {"chainId": 1},
        "message": {"items": list(range(100)), "note": "x" * 1000},
    }
    fields = typed_data_effects(document, EVM, 1)[0].fields  # type: ignore[union-attr]
    assert len(fields) == MAX_FIELDS + 1
    assert fields["message.items[62]"] == "62"
    assert "message.items[63]" not in fields
    assert fields["truncated"] == "38 more fields not shown"  # 37 items and the note


# --- TRON (TIP-712) ------------------------------------------------------------------------------


def test_tip712_permit_on_tron_gives_base58_addresses_and_the_same_digest() -> None:
    wallet = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
    owner, spender = wallet.account("tron", 0).address, wallet.account("tron", 1).address
    token = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    token_0x = "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c"
    spender_41 = tron_address(spender).hex()
    document: dict[str, Any] = {
        "types": {"EIP712Domain": DOMAIN_FULL, "Permit": EIP2612_TYPE},
        "primaryType": "Permit",
        "domain": {"name": "Tether USD", "version": "1", "chainId": "0x2b6653dc", "verifyingContract": token},
        "message": {"owner": owner, "spender": spender_41, "value": MAX256, "nonce": 0, "deadline": 1735689600},
    }
    effects = typed_data_effects(document, TRON, 0x2B6653DC)
    assert effects[0].contract == token and effects[0].chain_id == 728126428  # type: ignore[union-attr]
    assert effects[1:] == [Approval(token, spender, None, deadline=1735689600)]
    # The same permit written with 0x addresses: eth-account's EIP-712 digest equals TIP-712's.
    as_evm = copy.deepcopy(document)
    as_evm["domain"]["verifyingContract"] = token_0x
    as_evm["message"]["owner"] = "0x" + tron_address(owner).hex()[2:]
    as_evm["message"]["spender"] = "0x" + spender_41[2:]
    assert tip712.digest(document) == _eth_account_digest(as_evm)
    with pytest.raises(ChainMismatch, match="chain id 728126428, but this account is on chain id 3448148188"):
        typed_data_effects(document, TRON, 0xCD8690DC)  # nile


# --- refusals ------------------------------------------------------------------------------------


def _with_type(document: dict[str, Any], name: str, fields: list[dict[str, str]]) -> dict[str, Any]:
    out = copy.deepcopy(document)
    out["types"][name] = fields
    return out


def _swap(fields: list[dict[str, str]], i: int, j: int) -> list[dict[str, str]]:
    out = list(fields)
    out[i], out[j] = out[j], out[i]
    return out


MISDEFINED = {
    "eip2612 fields reordered": _with_type(_usdc_permit(), "Permit", _swap(EIP2612_TYPE, 0, 1)),
    "eip2612 value uint128": _with_type(
        _usdc_permit(), "Permit", [*EIP2612_TYPE[:2], {"name": "value", "type": "uint128"}, *EIP2612_TYPE[3:]]
    ),
    "eip2612 extra field": _with_type(_usdc_permit(), "Permit", [*EIP2612_TYPE, {"name": "memo", "type": "string"}]),
    "eip2612 renamed field": _with_type(
        _usdc_permit(), "Permit", [*EIP2612_TYPE[:2], {"name": "amount", "type": "uint256"}, *EIP2612_TYPE[3:]]
    ),
    "dai allowed as uint256": _with_type(
        _dai_permit(), "Permit", [*DAI_TYPE[:4], {"name": "allowed", "type": "uint256"}]
    ),
    "permit2 details amount uint256": _with_type(
        _permit_single(), "PermitDetails", [DETAILS_TYPE[0], {"name": "amount", "type": "uint256"}, *DETAILS_TYPE[2:]]
    ),
    "permit2 batch details not an array": _with_type(
        _permit_batch(),
        "PermitBatch",
        _fields(("details", "PermitDetails"), ("spender", "address"), ("sigDeadline", "uint256")),
    ),
    "permit2 single without sigDeadline": _with_type(
        _permit_single(), "PermitSingle", _fields(("details", "PermitDetails"), ("spender", "address"))
    ),
    "permit2 token permissions reordered": _with_type(
        _permit_transfer_from(), "TokenPermissions", _swap(PERMISSIONS_TYPE, 0, 1)
    ),
    "permit2 witness without witness": _with_type(
        _witness(batch=False),
        "PermitWitnessTransferFrom",
        _fields(("permitted", "TokenPermissions"), *TRANSFER_FROM),
    ),
    "permit2 witness with two witnesses": _with_type(
        _witness(batch=False),
        "PermitWitnessTransferFrom",
        _fields(("permitted", "TokenPermissions"), *TRANSFER_FROM, ("witness", "SwapOrder"), ("more", "SwapOrder")),
    ),
    "eip3009 nonce uint256": _with_type(
        _authorization(), "TransferWithAuthorization", [*EIP3009_TYPE[:5], {"name": "nonce", "type": "uint256"}]
    ),
}


@pytest.mark.parametrize("document", MISDEFINED.values(), ids=MISDEFINED.keys())
def test_a_permit_name_with_another_definition_is_refused(document: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage, match="is a permit's name, but the document defines it as"):
        typed_data_effects(document, EVM, 1)


def test_the_refusal_names_both_definitions() -> None:
    with pytest.raises(InvalidMessage) as caught:
        typed_data_effects(MISDEFINED["eip2612 value uint128"], EVM, 1)
    text = str(caught.value)
    assert "Permit(address owner,address spender,uint128 value,uint256 nonce,uint256 deadline)" in text
    assert "EIP-2612 Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)" in text
    assert "DAI Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)" in text


@pytest.mark.parametrize(
    "domain",
    [
        {"name": "USD Coin", "version": "2", "verifyingContract": USDC},
        {"name": "USD Coin", "version": "2", "chainId": None, "verifyingContract": USDC},
    ],
)
def test_a_domain_without_chain_id_is_refused(domain: dict[str, Any]) -> None:
    document = _usdc_permit()
    document["domain"] = domain
    document["types"]["EIP712Domain"] = [f for f in DOMAIN_FULL if f["name"] != "chainId"]
    with pytest.raises(PolicyViolation) as caught:
        typed_data_effects(document, EVM, 1)
    assert caught.value.rule == "eip712_domain"


def test_a_chain_id_left_out_of_the_domain_type_is_refused() -> None:
    # TIP-712 hashes only the declared domain fields: this chainId would be shown, not signed.
    document = _usdc_permit()
    document["types"]["EIP712Domain"] = [f for f in DOMAIN_FULL if f["name"] != "chainId"]
    with pytest.raises(InvalidMessage, match="must declare exactly the domain's fields"):
        typed_data_effects(document, EVM, 1)


def test_a_domain_type_out_of_order_or_retyped_is_refused() -> None:
    for declared in (
        _swap(DOMAIN_FULL, 2, 3),
        [*DOMAIN_FULL[:2], {"name": "chainId", "type": "string"}, DOMAIN_FULL[3]],
    ):
        with pytest.raises(InvalidMessage, match="must declare exactly the domain's fields"):
            typed_data_effects(_with_type(_usdc_permit(), "EIP712Domain", declared), EVM, 1)


def test_a_domain_field_eip712_does_not_define_is_refused() -> None:
    document = _usdc_permit()
    del document["types"]["EIP712Domain"]
    document["domain"]["owner"] = OWNER
    with pytest.raises(InvalidMessage, match=r"domain has fields EIP-712 does not define: \['owner'\]"):
        typed_data_effects(document, EVM, 1)


@pytest.mark.parametrize("factory", [_usdc_permit, _permit_single, _authorization])
def test_another_chain_is_refused(factory: Any) -> None:
    with pytest.raises(ChainMismatch, match="typed data is for chain id 1, but this account is on chain id 56"):
        typed_data_effects(factory(), EVM, 56)


def test_chain_id_as_hex_text() -> None:
    document = _usdc_permit()
    document["domain"]["chainId"] = "0x38"
    assert typed_data_effects(document, EVM, 56)[0].chain_id == 56  # type: ignore[union-attr]


def test_a_token_permit_without_verifying_contract_is_refused() -> None:
    document = _usdc_permit()
    del document["domain"]["verifyingContract"]
    document["types"]["EIP712Domain"] = DOMAIN_FULL[:3]
    with pytest.raises(InvalidMessage, match=r"names its token by domain\.verifyingContract"):
        typed_data_effects(document, EVM, 1)


@pytest.mark.parametrize(
    ("change", "error", "text"),
    [
        (lambda d: d["message"].update(value=1.5e9), InvalidMessage, "message.value is uint256"),
        (lambda d: d["message"].update(value=True), InvalidMessage, "message.value is uint256"),
        (lambda d: d["message"].update(value="-1"), InvalidMessage, "out of range for uint256: -1"),
        (lambda d: d["message"].update(value="1e9"), InvalidMessage, "message.value is uint256"),
        (lambda d: d["message"].update(value=str(1 << 256)), InvalidMessage, "out of range for uint256"),
        (lambda d: d["message"].pop("deadline"), InvalidMessage, "message has no 'deadline' \\(uint256\\)"),
        (lambda d: d["message"].update(deadline=None), InvalidMessage, "message has no 'deadline'"),
        (lambda d: d["domain"].update(chainId=1.0), InvalidMessage, "domain.chainId is uint256"),
        # A decimal address (eth-sig-util hashes it as a number; no wallet shows it as one).
        (
            lambda d: d["message"].update(spender="597733001430176024049334587394716596403930790981"),
            InvalidAddress,
            "message.spender: an EVM address is 0x followed by 40 hex digits",
        ),
        (
            lambda d: d["message"].update(spender=SWAP_ROUTER.replace("b3465", "B3465")),
            InvalidAddress,
            "message.spender: EIP-55 checksum mismatch",
        ),
        (lambda d: d["message"].update(owner=None), InvalidMessage, "message has no 'owner'"),
        (lambda d: d.update(message=[1, 2]), InvalidMessage, "message is a Permit struct, so a mapping"),
        (lambda d: d.update(primaryType="EIP712Domain"), InvalidMessage, "primaryType must name"),
        (lambda d: d.update(primaryType="Mail"), InvalidMessage, "primaryType must name"),
    ],
)
def test_values_that_do_not_fit_their_type_are_refused(change: Any, error: type[Exception], text: str) -> None:
    document = _usdc_permit()
    change(document)
    with pytest.raises(error, match=text):
        typed_data_effects(document, EVM, 1)


@pytest.mark.parametrize("allowed", ["false", "true", 0, 1, None])
def test_dai_allowed_must_be_a_json_bool(allowed: object) -> None:
    # eth-account hashes the text "false" as false but "no" as true; only true and false are read.
    with pytest.raises(InvalidMessage, match=r"message\.allowed is a bool|message has no 'allowed'"):
        typed_data_effects(_dai_permit(allowed), EVM, 1)


@pytest.mark.parametrize("nonce", ["0x" + "ab" * 31, "0x" + "ab" * 33, "ab" * 32, "nonce-1"])
def test_bytes32_must_be_32_bytes_of_hex(nonce: str) -> None:
    document = _authorization()
    document["message"]["nonce"] = nonce
    with pytest.raises(InvalidMessage, match=r"message\.nonce is bytes32"):
        typed_data_effects(document, EVM, 1)


def test_permit2_amount_above_uint160_is_refused() -> None:
    with pytest.raises(InvalidMessage, match=r"message.details.amount is out of range for uint160"):
        typed_data_effects(_permit_single(str(1 << 160)), EVM, 1)


@pytest.mark.parametrize(
    ("types", "text"),
    [
        ({"address": _fields(("x", "uint256")), "Note": _fields(("a", "address"))}, "struct name 'address'"),
        ({"uint256": _fields(("x", "bool")), "Note": _fields(("a", "uint256"))}, "struct name 'uint256'"),
        ({"Note": _fields(("owner,address spender", "address"))}, "field name that is not an identifier"),
        ({"Note": _fields(("a", "address"), ("a", "uint256"))}, "two fields named 'a'"),
        ({"Note": _fields(("a", "Missing"))}, "Note.a has an unknown type 'Missing'"),
        ({"Note": _fields(("a", "uint"))}, "Note.a has an unknown type 'uint'"),
        ({"Note": _fields(("a", "uint7"))}, "Note.a has an unknown type 'uint7'"),
        ({"Note": _fields(("a", "bytes33"))}, "Note.a has an unknown type 'bytes33'"),
        ({"Note": _fields(("a", "uint256[0]"))}, "Note.a has an unknown type 'uint256\\[0\\]'"),
        ({"Note": _fields(("a", "EIP712Domain"))}, "Note.a has an unknown type 'EIP712Domain'"),
        ({"Note": [{"name": "a"}]}, "type Note has a field that is not"),
        ({"Note": "address a"}, "type Note is a list of"),
    ],
)
def test_malformed_types_are_refused(types: dict[str, Any], text: str) -> None:
    document = {"types": types, "primaryType": "Note", "domain": {"chainId": 1}, "message": {"a": OWNER}}
    with pytest.raises(InvalidMessage, match=text):
        typed_data_effects(document, EVM, 1)


def test_deeply_nested_values_are_refused_with_a_typed_error() -> None:
    node: dict[str, Any] = {"kids": []}
    for _ in range(5000):
        node = {"kids": [node]}
    document = {
        "types": {"Node": _fields(("kids", "Node[]"))},
        "primaryType": "Node",
        "domain": {"chainId": 1},
        "message": node,
    }
    with pytest.raises(InvalidMessage, match=r"nests structs or arrays more than 32 deep, at message\.kids\[0\]\.kids"):
        typed_data_effects(document, EVM, 1)


def test_not_a_document_is_refused() -> None:
    bad_documents: list[Any] = [[], "Permit", {"types": []}, {"types": {}, "primaryType": "Permit"}]
    for bad in bad_documents:
        with pytest.raises(InvalidMessage):
            typed_data_effects(bad, EVM, 1)  # type: ignore[arg-type]


# --- the hash the decoder reads is the hash the contract checks ----------------------------------


def _eth_account_digest(document: dict[str, Any]) -> bytes:
    signable = encode_typed_data(full_message=copy.deepcopy(document))
    return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))


def _walletkit_digest(document: dict[str, Any]) -> bytes:
    account = wk.Account.from_private_key("eth", KEY)
    return typed_data_hash(account.plugin, account, copy.deepcopy(document))  # type: ignore[arg-type]


def _h(name: str) -> bytes:
    return bytes.fromhex(TYPEHASH[name])


def _struct(typehash: bytes, types: list[str], values: list[object]) -> bytes:
    """keccak256(abi.encode(TYPEHASH, values...)): how the contracts hash a struct."""
    return bytes(keccak(abi_encode(["bytes32", *types], [typehash, *values])))


def _batch(hashes: list[bytes]) -> bytes:
    return bytes(keccak(b"".join(hashes)))  # keccak256(abi.encodePacked(hashes))


def _details(token: str, amount: int, expiration: int, nonce: int) -> bytes:
    return _struct(_h("PermitDetails"), ["address", "uint160", "uint48", "uint48"], [token, amount, expiration, nonce])


def _permissions(token: str, amount: int) -> bytes:
    return _struct(_h("TokenPermissions"), ["address", "uint256"], [token, amount])


def _swap_order(recipient: str, token_out: str, min_out: int) -> bytes:
    typehash = keccak(b"SwapOrder(address recipient,address tokenOut,uint256 minAmountOut)")
    return _struct(typehash, ["address", "address", "uint256"], [recipient, token_out, min_out])


# Witness typehash as Permit2 builds it: the stub, then the spender's witness type string.
WITNESS_TAIL = (
    "SwapOrder witness)SwapOrder(address recipient,address tokenOut,uint256 minAmountOut)"
    "TokenPermissions(address token,uint256 amount)"
)
WITNESS_STUB = "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,"
BATCH_WITNESS_STUB = (
    "PermitBatchWitnessTransferFrom(TokenPermissions[] permitted,address spender,uint256 nonce,uint256 deadline,"
)
U256, ADDR = "uint256", "address"

# (document, verifying contract, struct hash as the contract computes it from hand-written values)
CONTRACT_HASHES = {
    "EIP-2612": (
        _usdc_permit(),
        USDC,
        _struct(_h("EIP-2612"), [ADDR, ADDR, U256, U256, U256], [OWNER, SWAP_ROUTER, 1_500_000_000, 0, 1735689600]),
    ),
    "EIP-2612 unlimited": (
        _usdc_permit(MAX256),
        USDC,
        _struct(_h("EIP-2612"), [ADDR, ADDR, U256, U256, U256], [OWNER, SWAP_ROUTER, 2**256 - 1, 0, 1735689600]),
    ),
    "DAI": (
        _dai_permit(True, 0),
        DAI,
        _struct(_h("DAI"), [ADDR, ADDR, U256, U256, "bool"], [OWNER, SWAP_ROUTER, 3, 0, True]),
    ),
    "PermitSingle": (
        _permit_single(),
        PERMIT2,
        _struct(
            _h("PermitSingle"),
            ["bytes32", ADDR, U256],
            [_details(USDC, 2**160 - 1, 1738281600, 0), UNIVERSAL_ROUTER, 1735691400],
        ),
    ),
    "PermitBatch": (
        _permit_batch(),
        PERMIT2,
        _struct(
            _h("PermitBatch"),
            ["bytes32", ADDR, U256],
            [
                _batch(
                    [
                        _details(USDC, 500_000_000, 1738281600, 4),
                        _details(DAI, 2**160 - 1, 1738281600, 0),
                        _details(UNI, 1000 * 10**18, 0, 1),
                    ]
                ),
                UNIVERSAL_ROUTER,
                1735691400,
            ],
        ),
    ),
    # SignatureTransfer hashes msg.sender as the spender: the spender the document names.
    "PermitTransferFrom": (
        _permit_transfer_from(),
        PERMIT2,
        _struct(
            _h("PermitTransferFrom"),
            ["bytes32", ADDR, U256, U256],
            [_permissions(WETH, 2 * 10**18), REACTOR, 1993349843498475640164930289302052480, 1735689600],
        ),
    ),
    "PermitBatchTransferFrom": (
        _permit_batch_transfer_from(),
        PERMIT2,
        _struct(
            _h("PermitBatchTransferFrom"),
            ["bytes32", ADDR, U256, U256],
            [_batch([_permissions(WETH, 2 * 10**18), _permissions(USDC, 75_000_000)]), REACTOR, 77, 1735689600],
        ),
    ),
    "PermitWitnessTransferFrom": (
        _witness(batch=False),
        PERMIT2,
        _struct(
            keccak((WITNESS_STUB + WITNESS_TAIL).encode()),
            ["bytes32", ADDR, U256, U256, "bytes32"],
            [_permissions(WETH, 2 * 10**18), REACTOR, 12, 1735689600, _swap_order(OWNER, USDC, 6_400_000_000)],
        ),
    ),
    "PermitBatchWitnessTransferFrom": (
        _witness(batch=True),
        PERMIT2,
        _struct(
            keccak((BATCH_WITNESS_STUB + WITNESS_TAIL).encode()),
            ["bytes32", ADDR, U256, U256, "bytes32"],
            [
                _batch([_permissions(WETH, 2 * 10**18), _permissions(UNI, 5)]),
                REACTOR,
                12,
                1735689600,
                _swap_order(OWNER, USDC, 6_400_000_000),
            ],
        ),
    ),
    "TransferWithAuthorization": (
        _authorization(),
        USDC,
        _struct(
            _h("TransferWithAuthorization"),
            [ADDR, ADDR, U256, U256, U256, "bytes32"],
            [OWNER, PAYEE, 250_000_000, 0, 1735689600, bytes.fromhex(AUTH_NONCE[2:])],
        ),
    ),
    "ReceiveWithAuthorization": (
        _authorization("ReceiveWithAuthorization"),
        USDC,
        _struct(
            _h("ReceiveWithAuthorization"),
            [ADDR, ADDR, U256, U256, U256, "bytes32"],
            [OWNER, PAYEE, 250_000_000, 0, 1735689600, bytes.fromhex(AUTH_NONCE[2:])],
        ),
    ),
}


@pytest.mark.parametrize(("document", "contract", "struct_hash"), CONTRACT_HASHES.values(), ids=CONTRACT_HASHES.keys())
def test_the_decoded_permit_is_the_one_its_contract_checks(
    document: dict[str, Any], contract: str, struct_hash: bytes
) -> None:
    # The decoder accepts the document as a permit of its contract ...
    effects = typed_data_effects(document, EVM, 1)
    assert len(effects) > 1 and effects[0].contract == contract  # type: ignore[union-attr]
    # ... and the digest signed is the one the contract rebuilds: its published domain separator,
    # its struct hash. eth-account and walletkit's own EIP-712 hashing agree on it.
    expected = bytes(keccak(b"\x19\x01" + bytes.fromhex(DOMAIN_SEPARATOR[contract]) + struct_hash))
    assert _eth_account_digest(document) == expected
    assert _walletkit_digest(document) == expected


def test_the_published_type_strings_are_the_definitions_read() -> None:
    # Permit2's PermitHash.sol writes its typehashes as keccak256 of these strings.
    strings = {
        "PermitDetails": "PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)",
        "PermitSingle": "PermitSingle(PermitDetails details,address spender,uint256 sigDeadline)"
        "PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)",
        "PermitBatch": "PermitBatch(PermitDetails[] details,address spender,uint256 sigDeadline)"
        "PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)",
        "TokenPermissions": "TokenPermissions(address token,uint256 amount)",
        "PermitTransferFrom": "PermitTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,"
        "uint256 deadline)TokenPermissions(address token,uint256 amount)",
        "PermitBatchTransferFrom": "PermitBatchTransferFrom(TokenPermissions[] permitted,address spender,"
        "uint256 nonce,uint256 deadline)TokenPermissions(address token,uint256 amount)",
        "EIP-2612": "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)",
        "DAI": "Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)",
        "TransferWithAuthorization": "TransferWithAuthorization(address from,address to,uint256 value,"
        "uint256 validAfter,uint256 validBefore,bytes32 nonce)",
        "ReceiveWithAuthorization": "ReceiveWithAuthorization(address from,address to,uint256 value,"
        "uint256 validAfter,uint256 validBefore,bytes32 nonce)",
    }
    for name, text in strings.items():
        assert keccak(text.encode()).hex().removeprefix("0x") == TYPEHASH[name], name


# --- random permits: decoded values are the values given, and the digest is the contract's -------

_addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
_uint48 = st.integers(0, 2**48 - 1)
_details_entries = st.lists(
    st.tuples(_addresses, st.one_of(st.just(2**160 - 1), st.integers(0, 2**160 - 1)), _uint48, _uint48),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(entries=_details_entries, spender=_addresses, sig_deadline=st.integers(0, 2**256 - 1), as_text=st.booleans())
def test_random_permit2_batches(
    entries: list[tuple[str, int, int, int]], spender: str, sig_deadline: int, as_text: bool
) -> None:
    number = str if as_text else int
    document = _permit2(
        "PermitBatch",
        {
            "PermitBatch": _fields(("details", "PermitDetails[]"), ("spender", "address"), ("sigDeadline", "uint256")),
            "PermitDetails": DETAILS_TYPE,
        },
        {
            "details": [
                {"token": t, "amount": number(a), "expiration": number(e), "nonce": number(n)} for t, a, e, n in entries
            ],
            "spender": spender,
            "sigDeadline": number(sig_deadline),
        },
    )
    effects = typed_data_effects(document, EVM, 1)
    assert effects[1:] == [
        Approval(
            to_checksum_address(t),
            to_checksum_address(spender),
            None if a == 2**160 - 1 else a,
            deadline=e if e else sig_deadline,
        )
        for t, a, e, _ in entries
    ]
    struct_hash = _struct(
        _h("PermitBatch"),
        ["bytes32", ADDR, U256],
        [_batch([_details(t, a, e, n) for t, a, e, n in entries]), spender, sig_deadline],
    )
    expected = bytes(keccak(b"\x19\x01" + bytes.fromhex(DOMAIN_SEPARATOR[PERMIT2]) + struct_hash))
    assert _eth_account_digest(document) == expected
    assert _walletkit_digest(document) == expected
