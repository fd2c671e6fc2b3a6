"""On the Solana runtime (LiteSVM, in-process): airdrop, send SOL, send an SPL token that creates
the recipient's token account, with a priority fee; print signatures and balances."""

from __future__ import annotations

import walletkit as wk
from walletkit.testing import start_engine


def main() -> None:
    """Run the flow and print what happened."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    alice, bob = wallet.accounts("sol", count=2)
    with start_engine("sol") as svm:
        svm.airdrop(alice.address, wk.parse_units("5", "sol"))
        usdc = svm.create_mint(alice.address, decimals=6, supply=10**12)
        svm.mint_to(usdc, alice.address, 100_000_000)
        connected = alice.connect(svm)
        sol_sig = connected.send(
            bob.address, wk.parse_units("1.25", "sol"), compute_unit_price=10_000, compute_unit_limit=1_000
        )
        token_sig = connected.send(
            bob.address,
            12_500_000,
            token=usdc,
            compute_unit_price=10_000,  # limit: estimated
        )
        print(f"SOL transfer, fee {svm.fee_of(sol_sig)} lamports:\n  {sol_sig}")  # a signature is up to 88 chars
        print(f"SPL transfer, fee {svm.fee_of(token_sig)} lamports (created Bob's token account):\n  {token_sig}")
        print(
            f"alice {wk.format_units(svm.balance(alice.address), 'sol')} SOL, "
            f"{wk.format_units(svm.balance(alice.address, usdc), 6)} USDC"
        )
        print(
            f"bob   {wk.format_units(svm.balance(bob.address), 'sol')} SOL, "
            f"{wk.format_units(svm.balance(bob.address, usdc), 6)} USDC"
        )


if __name__ == "__main__":
    main()
