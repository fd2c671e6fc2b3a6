"""The policy matrix: chain and network pins, allowlists and look-alikes, limits, windows, fees, approvals."""

from __future__ import annotations

import itertools

import pytest

import walletkit as wk
from walletkit.signer import Policy, Request

ALLOWED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
LOOKALIKE = "0x5aae" + "1" * 32 + "eaed"
STRANGER = "0x" + "12" * 20
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
TRON_ALLOWED = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"

POLICY = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{ALLOWED}"]
max_per_tx = "1"
window = {{ amount = "3", seconds = 3600 }}
max_fee = "0.01"

[chains.eth.tokens."{TOKEN}"]
decimals = 6
max_per_tx = "1000"

[chains.tron]
networks = ["mainnet", "nile"]
recipients = ["{TRON_ALLOWED}"]
max_per_tx = "50"
""")
ETH = 10**18

# (description, request, spent already in the window, rule expected or None)
CASES: list[tuple[str, Request, int, str | None]] = []
for amount, fee, spent in itertools.product(
    [0, 1, ETH // 2, ETH - 1, ETH, ETH + 1], [0, 10**16 - 1, 10**16, 10**16 + 1], [0, ETH, 2 * ETH, 3 * ETH]
):
    if amount > ETH:
        rule: str | None = "max_per_tx"
    elif spent + amount > 3 * ETH:
        rule = "rolling_window"
    elif fee > 10**16:
        rule = "max_fee"
    else:
        rule = None
    CASES.append(
        (f"eth {amount} fee {fee} spent {spent}", Request("eth", "mainnet", ALLOWED, amount, None, fee), spent, rule)
    )
for to, rule in [
    (ALLOWED, None),
    (ALLOWED.lower(), None),
    (LOOKALIKE, "recipient_allowlist"),
    (STRANGER, "recipient_allowlist"),
]:
    for network, net_rule in [("mainnet", None), ("sepolia", "network_pinned")]:
        CASES.append((f"eth to {to[:8]} on {network}", Request("eth", network, to, 1, None, 0), 0, net_rule or rule))
for chain in ("bsc", "sol", "btc", "polygon"):
    CASES.append((f"{chain} not allowed", Request(chain, "mainnet", ALLOWED, 1, None, 0), 0, "chain_allowed"))
for amount, token, approve, rule in [
    (10**9, TOKEN, False, None),
    (10**9 + 1, TOKEN, False, "max_per_tx"),
    (5, "0x" + "ab" * 20, False, "token_allowed"),
    (2**256 - 1, TOKEN, True, "no_unlimited_approvals"),
    (10, TOKEN, True, None),
]:
    CASES.append(
        (f"token {amount} approve={approve}", Request("eth", "mainnet", ALLOWED, amount, token, 0, approve), 0, rule)
    )
for amount, network, to, rule in [
    (50 * 10**6, "nile", TRON_ALLOWED, None),
    (50 * 10**6 + 1, "mainnet", TRON_ALLOWED, "max_per_tx"),
    (1, "shasta", TRON_ALLOWED, "network_pinned"),
    (1, "mainnet", "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH", "recipient_allowlist"),
]:
    CASES.append((f"tron {amount} {network}", Request("tron", network, to, amount, None, 0), 0, rule))


def test_matrix_has_at_least_100_cases() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize(("description", "request_", "spent", "rule"), CASES, ids=[c[0] for c in CASES])
def test_policy_matrix(description: str, request_: Request, spent: int, rule: str | None) -> None:
    if rule is None:
        POLICY.check(request_, spent)
    else:
        with pytest.raises(wk.errors.PolicyViolation) as info:
            POLICY.check(request_, spent)
        assert info.value.rule == rule, (description, str(info.value))


RATIO = Policy.from_dict(
    {"chains": {"eth": {"networks": ["mainnet"], "max_fee_ratio": 0.02, "eip712_contracts": [ALLOWED]}}}
)


@pytest.mark.parametrize(
    ("amount", "fee", "refused"),
    [(100, 2, False), (100, 3, True), (10**18, 2 * 10**16, False), (10**18, 2 * 10**16 + 1, True), (0, 1, True)],
)
def test_fee_relative_to_amount(amount: int, fee: int, refused: bool) -> None:
    request = Request("eth", "mainnet", STRANGER, amount, None, fee)
    if refused:
        with pytest.raises(wk.errors.PolicyViolation, match="max_fee_ratio"):
            RATIO.check(request)
    else:
        RATIO.check(request)


@pytest.mark.parametrize(
    ("contract", "rule"),
    [(ALLOWED, None), (ALLOWED.lower(), None), (STRANGER, "eip712_domain"), (None, "eip712_domain")],
)
def test_eip712_domain_allowlist(contract: str | None, rule: str | None) -> None:
    domain = {"name": "x", "chainId": 1, **({"verifyingContract": contract} if contract else {})}
    if rule is None:
        RATIO.check_typed_data("eth", "mainnet", domain)
    else:
        with pytest.raises(wk.errors.PolicyViolation) as info:
            RATIO.check_typed_data("eth", "mainnet", domain)
        assert info.value.rule == rule
    with pytest.raises(wk.errors.PolicyViolation, match="no typed-data"):
        POLICY.check_typed_data("eth", "mainnet", domain)


def test_signer_signs_allowed_typed_data_only() -> None:
    from walletkit.signer import Signer

    account = wk.Account.from_private_key("eth", "0x" + "11" * 32)
    signer = Signer(RATIO)
    data = {
        "types": {
            "EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "M": [{"name": "x", "type": "uint256"}],
        },
        "primaryType": "M",
        "domain": {"chainId": 1, "verifyingContract": ALLOWED},
        "message": {"x": 1},
    }
    # The expected signature comes from eth-account, an independent EIP-712 implementation.
    from eth_account import Account as EthAccount

    expected = EthAccount.sign_typed_data("0x" + "11" * 32, full_message=data).signature
    assert bytes.fromhex(signer.sign_typed_data(account, data).removeprefix("0x")) == bytes(expected)
    with pytest.raises(wk.errors.PolicyViolation):
        signer.sign_typed_data(account, {**data, "domain": {"chainId": 1, "verifyingContract": STRANGER}})
    assert [e["decision"] for e in signer.store.audit_events()] == ["signed", "refused"]


def test_lookalike_is_named() -> None:
    with pytest.raises(wk.errors.PolicyViolation, match="look-alike of allowed"):
        POLICY.check(Request("eth", "mainnet", LOOKALIKE, 1, None, 0))


def test_bad_toml_is_a_typed_error() -> None:
    with pytest.raises(wk.errors.InvalidInput, match="does not parse"):
        Policy.from_toml("[chains.eth\nnetworks=")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[chains.eth]\nmax_fee_ratio = nan", "chains.eth.max_fee_ratio"),
        ("[chains.eth]\nmax_fee_ratio = inf", "chains.eth.max_fee_ratio"),
        ("[chains.eth]\nmax_fee_ratio = 1.5", "chains.eth.max_fee_ratio"),
        ('[chains.eth]\nmax_fee_ratio = "2%"', "chains.eth.max_fee_ratio"),
        ("[chains.eth]\nnetworks = 1", "chains.eth.networks"),
        ("[chains.eth]\nrecipients = 5", "chains.eth.recipients"),
        ('[chains.eth]\nwindow = "daily"', "chains.eth.window"),
        ('[chains.eth]\nwindow = { amount = "1", seconds = 0 }', "chains.eth.window.seconds"),
        ("[chains.eth]\nmax_per_tx = 0.5", "chains.eth.max_per_tx"),
        ('[chains.eth]\nallow_unlimited_approvals = "yes"', "chains.eth.allow_unlimited_approvals"),
        ("chains = 3", "chains"),
        ("[chains]\neth = 3", "chains.eth"),
        ('[chains.eth.tokens."0xdAC17F958D2ee523a2206206994597C13D831ec7"]\ndecimals = -1', "decimals"),
    ],
)
def test_mistyped_policy_field_is_named(text: str, field: str) -> None:
    # A policy file is edited by hand: a wrong type is refused by name, never read as "no limit".
    with pytest.raises(wk.errors.InvalidInput, match=field.replace(".", r"\.")):
        Policy.from_toml(text)
