"""The watcher on Solana: LiteSVM behind the local JSON-RPC test endpoint (tests/watch/solana_rpc.py, a test
helper that makes blocks of what LiteSVM executed). SOL, SPL Token and Token-2022 deposits into the associated
accounts of watched owners, a SOL withdrawal (its fee not counted as value), and skipped slots.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import walletkit as wk
from tests.watch.solana_rpc import SolanaRpc
from walletkit.watch import TransferEvent, Watcher


@pytest.fixture
def rpc() -> Iterator[SolanaRpc]:
    made = SolanaRpc()
    try:
        yield made
    finally:
        made.close()


def send(client: object, account: wk.Account, to: str, amount: int, token: str | None = None) -> str:
    """Fill, sign and send (the block comes when the test mines it)."""
    fields = client.prepare_transfer(account, to, amount, token, {})  # type: ignore[attr-defined]
    return str(client.broadcast(account.sign(account.transfer(to, amount, token, **fields))))  # type: ignore[attr-defined]


def facts(events: list[TransferEvent], status: str = "seen") -> set[tuple[str, str, str, str | None, str, int]]:
    return {(e.txid, e.direction, e.address, e.counterparty, e.asset, e.amount) for e in events if e.status == status}


def test_sol_spl_and_token_2022_into_associated_accounts(rpc: SolanaRpc) -> None:
    alice, *watched = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("sol", count=4)
    rpc.engine.airdrop(alice.address, 10 * 10**9)
    usdc = rpc.engine.create_mint(alice.address, decimals=6)
    pyusd = rpc.engine.create_mint(alice.address, decimals=6, token_2022=True)
    rpc.engine.mint_to(usdc, alice.address, 10**9)
    rpc.engine.mint_to(pyusd, alice.address, 10**9)
    client = wk.connect("sol", rpc.url)
    watcher = Watcher(confirmations={"sol": 2})
    watcher.add("sol", [a.address for a in watched])
    assert watcher.poll(client) == []
    sol = send(client, alice, watched[0].address, 2 * 10**9)
    spl = send(client, alice, watched[1].address, 250_000, usdc)  # creates watched[1]'s associated account
    t22 = send(client, alice, watched[2].address, 750_000, pyusd)
    rpc.mine()
    events = watcher.poll(client)
    assert facts(events) == {
        (sol, "in", watched[0].address, alice.address, "native", 2 * 10**9),
        (spl, "in", watched[1].address, alice.address, usdc, 250_000),
        (t22, "in", watched[2].address, alice.address, pyusd, 750_000),
    }
    assert {e.index for e in events if e.txid == sol} == {1}  # the recipient is the transaction's second key
    # Two slots without a block, then a withdrawal: the amount is what left, the fee is not a transfer.
    rpc.mine(skip=2)
    out = send(client, watched[0], alice.address, 10**9)
    slot = rpc.mine(skip=1)
    events = watcher.poll(client)
    assert facts(events) == {(out, "out", watched[0].address, alice.address, "native", 10**9)}
    assert [e.block for e in events if e.status == "seen"] == [slot]
    assert sorted(e.txid for e in events if e.status == "confirmed") == sorted([sol, spl, t22])
    rpc.mine()
    assert facts(watcher.poll(client), "confirmed") == {
        (out, "out", watched[0].address, alice.address, "native", 10**9)
    }
    assert rpc.engine.balance(watched[0].address) == 10**9 - 5_000  # the fee came out of the rest
