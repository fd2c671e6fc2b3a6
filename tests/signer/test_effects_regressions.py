"""Issue 13's five attacks, each a named regression on a real engine: the signer judges the decoded
transaction, so a field the request smuggles in cannot move value the policy does not see."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import walletkit as wk
from chains.solana.transfer import lookup_table
from walletkit.signer import Policy, Signer, SQLiteStore

BTC = 10**8
ETH = 10**18
SOL = 10**9


def test_bitcoin_extra_output_is_judged(wk_engine: Any) -> None:
    """1. ``outputs=[(other, 40 BTC)]`` beside an allowlisted 0.01 BTC payment is refused; nothing is mined."""
    chain = wk_engine("btc")
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender = wallet.account("btc", network="regtest")
    allowed = wallet.account("btc", index=5, network="regtest")
    other = wallet.account("btc", index=6, network="regtest")
    chain.mine(3, to=sender.address)
    chain.mine(100)
    policy = Policy.from_dict(
        {"chains": {"btc": {"networks": ["regtest"], "recipients": [allowed.address], "max_per_tx": "0.1"}}}
    )
    signer = Signer(policy, SQLiteStore())
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        signer.send(sender, chain, allowed.address, BTC // 100, outputs=[(other.address, 40 * BTC)])
    assert refused.value.rule == "recipient_allowlist"
    # The same smuggled output to the allowed address: the per-transaction limit counts every output.
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        signer.send(sender, chain, allowed.address, BTC // 100, outputs=[(allowed.address, 40 * BTC)])
    assert refused.value.rule == "max_per_tx"
    assert chain.balance(other.address) == 0 and chain.balance(allowed.address) == 0
    # The honest payment goes through, and the change is proven ours (not judged as a payment).
    signer.send(sender, chain, allowed.address, BTC // 100)
    assert chain.balance(allowed.address) == BTC // 100


def test_evm_fee_comes_from_the_type_that_pays(anvil_eth: Any, tmp_path: Path) -> None:
    """2. ``tx_type=0, gas_price=10**15, max_fee_per_gas=1`` is judged at gas x gas_price, and refused."""
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 100 * ETH)
    policy = Policy.from_toml(f"""
[chains.eth]
recipients = ["{receiver.address}"]
max_per_tx = "1"
max_fee = "0.01"
""")
    signer = Signer(policy, SQLiteStore(tmp_path / "s.db"))
    before = anvil_eth.balance(sender.address)
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        signer.send(sender, anvil_eth, receiver.address, 10**16, tx_type=0, gas_price=10**15, max_fee_per_gas=1)
    assert refused.value.rule == "max_fee"
    assert anvil_eth.balance(sender.address) == before  # nothing was sent, nothing was paid
    # Every type: the fee bound is what that type pays, whatever other fee fields say.
    for fields in (
        {"tx_type": 1, "gas_price": 10**15, "max_fee_per_gas": 1, "max_priority_fee_per_gas": 1},
        {"tx_type": 2, "max_fee_per_gas": 10**15, "max_priority_fee_per_gas": 1, "gas_price": 1},
    ):
        with pytest.raises(wk.errors.PolicyViolation, match="max_fee"):
            signer.transfer(sender, receiver.address, 10**16, nonce=0, **fields)


def test_solana_lookup_table_claim_is_checked(solana_svm: Any) -> None:
    """3. A v0 transfer whose lookup table is claimed to hold the allowed recipient, where the table on
    chain holds someone else, is refused; offline (no client) such a claim is refused too."""
    svm = solana_svm
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender, allowed, thief = (wallet.account("sol", index=i) for i in range(3))
    svm.airdrop(sender.address, 10 * SOL)
    table = svm.create_lookup_table(sender.address, [thief.address])  # on chain: index 0 is the thief
    forged = lookup_table(table, [allowed.address])  # the request claims index 0 is the allowed recipient
    policy = Policy.from_dict({"chains": {"sol": {"recipients": [allowed.address], "max_per_tx": "2"}}})
    signer = Signer(policy, SQLiteStore())
    with pytest.raises(wk.errors.PolicyViolation) as refused:
        signer.send(sender, svm, allowed.address, SOL, version="v0", address_lookup_tables=[forged])
    assert refused.value.rule == "unverified"
    assert svm.balance(thief.address) == 0
    with pytest.raises(wk.errors.PolicyViolation, match="unverified"):  # offline: the claim cannot be checked
        signer.transfer(
            sender,
            allowed.address,
            SOL,
            version="v0",
            address_lookup_tables=[forged],
            recent_blockhash=svm.latest_blockhash(),
        )
    # A table that really holds the recipient is verified through the engine and the SOL arrives.
    honest_table = svm.create_lookup_table(sender.address, [allowed.address])
    honest = lookup_table(honest_table, [allowed.address])
    signer.send(sender, svm, allowed.address, SOL, version="v0", address_lookup_tables=[honest])
    assert svm.balance(allowed.address) == SOL


USDT_ETH = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


@pytest.mark.parametrize(
    ("chain", "token", "spellings"),
    [
        ("eth", USDT_ETH, [USDT_ETH, USDT_ETH.lower(), "0x" + USDT_ETH[2:].upper(), f"  {USDT_ETH} "]),
        (
            "tron",
            USDT_TRON,
            [
                USDT_TRON,
                "41a614f803b6fd780986a42c78ec9c7f77e6ded13c",
                "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c",
                f" {USDT_TRON}  ",
                "41A614F803B6FD780986A42C78EC9C7F77E6DED13C",
            ],
        ),
    ],
)
def test_token_spellings_share_one_window(chain: str, token: str, spellings: list[str]) -> None:
    """4. One token written in every accepted form is one asset: the 200/day window holds across spellings."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender, receiver = wallet.accounts(chain, count=2)
    policy = Policy.from_dict(
        {
            "chains": {
                chain: {
                    "recipients": [receiver.address],
                    "tokens": {spellings[-1]: {"decimals": 6, "window": {"amount": "200", "seconds": 86400}}},
                }
            }
        }
    )
    signer = Signer(policy, SQLiteStore())
    fields: dict[str, Any] = (
        {"nonce": 0, "gas": 60_000, "max_fee_per_gas": 10**9, "max_priority_fee_per_gas": 1}
        if chain == "eth"
        else {"ref_block_bytes": "0000", "ref_block_hash": "00" * 8, "timestamp": 1_700_000_000_000}
    )
    signed = 0
    for spelling in spellings * 2:
        try:
            signer.transfer(sender, receiver.address, 100 * 10**6, spelling, **fields)
            signed += 1
        except wk.errors.PolicyViolation as e:
            assert e.rule == "rolling_window"
        except wk.errors.InvalidAddress:
            pass  # a spelling the builder refuses outright cannot open a window either
    assert signed == 2  # 200 USDT, not 200 per spelling
    with signer.store.decision() as db:
        assets = {r[0] for r in signer.store.run(db, "SELECT DISTINCT asset FROM ledger").fetchall()}
    assert token in assets and assets <= {token, "native"}


def test_idempotency_race_pays_once(anvil_eth: Any, tmp_path: Path) -> None:
    """5. Two workers take the same key at once, many times over: every key pays exactly once, and a
    retry after the race replays instead of paying again."""
    sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
    anvil_eth.fund(sender.address, 100 * ETH)
    policy = Policy.from_toml(f'[chains.eth]\nrecipients = ["{receiver.address}"]\nmax_per_tx = "1"')
    store = SQLiteStore(tmp_path / "race.db")
    client = sender.connect(anvil_eth).client
    errors: list[BaseException] = []
    keys = [f"payout-{i}" for i in range(20)]

    def worker() -> None:
        signer = Signer(policy, store)
        for key in keys:
            try:
                signer.send(sender, client, receiver.address, 10**15, idempotency_key=key)
            except BaseException as e:  # collected: the assertion below shows any failure
                errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert anvil_eth.balance(receiver.address) == 20 * 10**15  # 20 keys, 20 payments, never 40
    retry = Signer(policy, store)
    for key in keys:  # the caller's retries replay
        retry.send(sender, client, receiver.address, 10**15, idempotency_key=key)
    assert anvil_eth.balance(receiver.address) == 20 * 10**15
    assert anvil_eth.w3.eth.get_transaction_count(sender.address) == 20
