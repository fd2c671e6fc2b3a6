"""On anvil with chain ids 1 (Ethereum) and 56 (BNB Smart Chain): send ETH/BNB and an ERC-20
transfer, and print the receipts."""

from __future__ import annotations

import walletkit as wk
from walletkit.testing import start_engine


def main() -> None:
    """Start anvil twice, fund an account, send the native coin and a token on each."""
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    for chain, chain_id in (("eth", 1), ("bsc", 56)):
        alice, bob = wallet.accounts(chain, count=2)
        with start_engine(chain, chain_id=chain_id) as anvil:
            anvil.fund(alice.address, wk.parse_units("5", chain))
            token = anvil.deploy_test_token(alice, supply=1_000_000 * 10**6)
            connected = alice.connect(anvil)
            native = connected.send(bob.address, wk.parse_units("0.5", chain))
            erc20 = connected.send(bob.address, 250 * 10**6, token=token)
            for label, txid in ((f"{alice.spec.symbol} transfer", native), ("ERC-20 transfer", erc20)):
                receipt = anvil.w3.eth.get_transaction_receipt(txid)
                print(f"chain id {chain_id}  {label:16} {txid}")  # two lines: each fits 100 columns
                print(
                    f"{'':13}block {receipt['blockNumber']}  status {receipt['status']}  gas used {receipt['gasUsed']}"
                )
            print(
                f"chain id {chain_id}  bob holds {wk.format_units(anvil.balance(bob.address), chain)} "
                f"{alice.spec.symbol} and {anvil.balance(bob.address, token) / 10**6:.2f} TUSD"
            )


if __name__ == "__main__":
    main()
