"""A dApp backend's signer on anvil: it signs the contract calls its policy names, and nothing else.

The backend prepares transactions itself (here: ``mint(uint256)`` on a small mint contract,
compiled from contracts/MintShop.sol with npm solc). ``Signer.send_transaction`` decodes each
transaction it is handed and judges what it does: the call allowlist names the contract, the
function and the most ETH the call may carry. Everything else is refused before signing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from eth_abi import encode as abi_encode

import walletkit as wk
from chains.evm.solc import compile_solidity
from chains.evm.transaction import EvmTransaction
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.signer.policy import selector
from walletkit.testing import start_engine

SOURCE = Path(__file__).parent / "contracts" / "MintShop.sol"
PRICE = wk.parse_units("0.01", "eth")  # per token


def main() -> None:
    """Deploy MintShop, mint through the backend's signer, and show what its policy refuses."""
    shop = compile_solidity({"MintShop.sol": SOURCE.read_text()})["MintShop"]
    print(f"compiled MintShop with solc {shop.compiler.split('+')[0]}: {len(shop.bytecode)} bytes of init code")
    backend = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account("eth")
    with tempfile.TemporaryDirectory(prefix="dapp-backend-") as folder, start_engine("eth", chain_id=1) as anvil:
        anvil.fund(backend.address, wk.parse_units("5", "eth"))

        def nonce() -> int:
            return int(anvil.w3.eth.get_transaction_count(backend.address, "pending"))

        # Deployment goes through its own signer, whose policy allows contract creation only.
        deployer = Signer(
            Policy.from_toml(
                '[chains.eth]\nrecipients = []\nmax_fee = "0.05"\n[[chains.eth.calls]]\ncontract = "create"'
            ),
            SQLiteStore(Path(folder) / "deployer.db"),
        )
        creation = EvmTransaction(
            chain_id=1,
            nonce=nonce(),
            gas=1_000_000,
            to=None,
            data=shop.bytecode + abi_encode(["uint256"], [PRICE]),
            **anvil.suggest_fees(2),
        )
        receipt = anvil.wait(anvil.broadcast(deployer.sign_transaction(backend, creation)))
        address = str(receipt["contractAddress"])  # type: ignore[index]
        print(f"deployed MintShop at {address} (policy rule: calls to 'create')")

        policy = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = []                 # no plain payments from this backend
max_fee = "0.01"

[[chains.eth.calls]]
contract = "{address}"
functions = ["mint(uint256)"]
max_value = "0.1"               # ETH a call may carry
""")
        store = SQLiteStore(Path(folder) / "backend.db")
        signer = Signer(policy, store)
        contract = anvil.w3.eth.contract(address=address, abi=list(shop.abi))

        def call(signature: str, types: list[str], args: list[object], value: int) -> object:
            data = bytes.fromhex(selector(signature)) + abi_encode(types, args)
            return backend.transfer(address, value, data=data, gas=200_000, nonce=nonce(), **anvil.suggest_fees(2))

        txid = signer.send_transaction(backend, anvil, call("mint(uint256)", ["uint256"], [3], 3 * PRICE))
        print(
            f"allowed: mint(3) paying 0.03 ETH -> {txid[:18]}...; totalMinted = {contract.functions.totalMinted().call()}"
        )

        for what, tx in [
            ("withdraw(address) of the same contract", call("withdraw(address)", ["address"], [backend.address], 0)),
            ("setPrice(uint256) of the same contract", call("setPrice(uint256)", ["uint256"], [0], 0)),
            ("mint(20) carrying 0.2 ETH, above max_value", call("mint(uint256)", ["uint256"], [20], 20 * PRICE)),
            (
                "a plain 0.01 ETH payment to the contract",
                backend.transfer(address, PRICE, nonce=nonce(), **anvil.suggest_fees(2)),
            ),
        ]:
            try:
                signer.send_transaction(backend, anvil, tx)
            except wk.errors.PolicyViolation as e:
                print(f"refused by {e.rule}: {what}")
            else:
                raise SystemExit(f"the policy should have refused {what}, but it was signed")
        print(
            f"totalMinted = {contract.functions.totalMinted().call()}, contract holds "
            f"{wk.format_units(anvil.balance(address), 'eth')} ETH; audit log verifies: {store.verify_audit()} "
            f"({len(store.audit_events())} events)"
        )


if __name__ == "__main__":
    main()
