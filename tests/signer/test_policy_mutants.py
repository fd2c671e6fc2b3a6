"""The policy and the allowlist, pinned line by line (issue 19's surviving policy mutants).

Expected values are written out here (rules, seconds, bounds), never taken from the policy.
"""

from __future__ import annotations

import pytest

import walletkit as wk
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.allowlist import Allowlist

ALLOWED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
OTHER_TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"

POLICY = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{ALLOWED}"]
window = {{ amount = "3", seconds = 3600 }}
eip712_contracts = ["{ALLOWED}"]

[chains.eth.tokens."{TOKEN}"]
decimals = 6
window = {{ amount = "1000", seconds = 600 }}

[chains.eth.tokens."{OTHER_TOKEN}"]
decimals = 6

[chains.tron]
networks = ["nile"]
""")


def test_typed_data_pins_the_network() -> None:
    domain = {"name": "x", "chainId": 1, "verifyingContract": ALLOWED}
    POLICY.check_typed_data("eth", "mainnet", domain)
    for network in ("sepolia", "holesky"):
        with pytest.raises(wk.errors.PolicyViolation) as info:
            POLICY.check_typed_data("eth", network, domain)
        assert info.value.rule == "network_pinned"
    with pytest.raises(wk.errors.PolicyViolation) as info:
        POLICY.check_typed_data("bsc", "mainnet", domain)
    assert info.value.rule == "chain_allowed"


def test_the_signer_pins_the_typed_data_network() -> None:
    account = wk.Account.from_private_key("eth", "0x" + "11" * 32, network="sepolia")
    data = {
        "types": {
            "EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "M": [{"name": "x", "type": "uint256"}],
        },
        "primaryType": "M",
        "domain": {"chainId": 11155111, "verifyingContract": ALLOWED},
        "message": {"x": 1},
    }
    signer = Signer(POLICY, SQLiteStore())
    with pytest.raises(wk.errors.PolicyViolation) as info:
        signer.sign_typed_data(account, data)
    assert info.value.rule == "network_pinned"
    assert [e["decision"] for e in signer.store.audit_events()] == ["refused"]


@pytest.mark.parametrize(
    ("chain", "asset", "seconds"),
    [
        ("eth", None, 3600),
        ("eth", "native", 3600),
        ("eth", TOKEN, 600),
        ("eth", TOKEN.lower(), 600),  # listed under its canonical form
        ("eth", OTHER_TOKEN, 86_400),  # listed without a window: the default day
        ("eth", "0x" + "ab" * 20, 86_400),  # not listed
        ("eth", "token-account:xyz", 86_400),  # no policy can list it
        ("tron", None, 86_400),
        ("sol", None, 86_400),  # a chain the policy does not name
    ],
)
def test_window_seconds_reads_the_policy(chain: str, asset: str | None, seconds: int) -> None:
    assert POLICY.window_seconds(chain, asset) == seconds


@pytest.mark.parametrize(("decimals", "ok"), [(0, True), (18, True), (77, True), (78, False), (10**12, False)])
def test_token_decimals_are_0_to_77(decimals: int, ok: bool) -> None:
    text = f'[chains.eth.tokens."{TOKEN}"]\ndecimals = {decimals}\nmax_per_tx = "1"\n'
    if ok:
        limits = Policy.from_toml(text).chains["eth"].tokens[TOKEN]
        assert limits.decimals == decimals and limits.max_per_tx == 10**decimals
    else:
        with pytest.raises(wk.errors.InvalidInput, match=r"tokens\..*decimals"):
            Policy.from_toml(text)


# Look-alikes: same first four and last four characters of the body (after 0x), different address.
BODY = ALLOWED[2:].lower()  # lower case: no EIP-55 checksum to match


@pytest.mark.parametrize(
    ("address", "lookalike"),
    [
        ("0x" + BODY[:4] + "1" * 32 + BODY[-4:], True),
        ("0x" + BODY[:4] + "1" * 36, False),  # the prefix alone
        ("0x" + "1" * 36 + BODY[-4:], False),  # the suffix alone
        ("0x" + BODY[:3] + "1" * 33 + BODY[-4:], False),  # three characters are not enough
        ("0x" + BODY[:4] + "1" * 33 + BODY[-3:], False),
        ("0x" + "12" * 20, False),
    ],
)
def test_a_lookalike_shares_both_ends(address: str, lookalike: bool) -> None:
    allow = Allowlist("eth", [ALLOWED])
    with pytest.raises(wk.errors.PolicyViolation) as info:
        allow.check(address)
    assert info.value.rule == "recipient_allowlist"
    assert ("look-alike" in str(info.value)) is lookalike
    assert allow.check(ALLOWED.lower()) == ALLOWED
