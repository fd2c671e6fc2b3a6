"""On a regtest chain validated by Bitcoin Core's own engine (libbitcoinkernel): fund an account of
each kind, send from each, and print the txids and block heights."""

from __future__ import annotations

import walletkit as wk
from walletkit.testing import start_engine

KINDS = ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")


def main() -> None:
    """Mine to each kind, let the coins mature, send from each."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    receiver = wallet.account("btc", index=1, kind="p2tr", network="regtest")
    with start_engine("btc") as chain:
        senders = [wallet.account("btc", kind=kind, network="regtest") for kind in KINDS]
        for sender in senders:
            chain.mine(1, to=sender.address)
        chain.mine(100)
        print(f"mined to {len(senders)} accounts; tip at height {chain.height}")
        for sender in senders:
            txid = sender.connect(chain).send(receiver.address, wk.parse_units("0.25", "btc"), fee_rate=3)
            print(f"{sender.kind:12} {sender.address}")  # two lines: each fits 100 columns
            print(f"{'':12} txid {txid}  in block {chain.wait(txid)}")
        print(f"receiver {receiver.address} holds {wk.format_units(chain.balance(receiver.address), 'btc')} BTC")


if __name__ == "__main__":
    main()
