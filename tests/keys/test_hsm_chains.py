"""HSM-held keys (SoftHSM2) behind the uniform account API, each result accepted by a real engine.

- Ethereum: an EIP-1559 transfer, an ERC-20 deployment and transfer, mined on anvil; EIP-191
  and EIP-712 signatures recovered by eth-account.
- Bitcoin: P2WPKH (and P2PKH, P2SH-P2WPKH) spends in blocks libbitcoinkernel validates (a chain of
  this module's own);
  BIP137 and BIP322 messages.
- TRON: TRX and TRC-20 transfers built by tronweb to the same bytes, the signature recovered
  by tronweb to the HSM address; a TIP-191 message verified by tronweb.
- Solana: a SOL transfer executed by LiteSVM (SoftHSM offers CKM_EDDSA); an off-chain message.
- The signer: policy, refusal and idempotency on an HSM account, on anvil.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct, encode_typed_data

import walletkit as wk
from tests.conftest import load_vectors
from tests.keys.conftest import PIN, SPARE_PIN
from walletkit.keys.pkcs11 import Pkcs11KeyStore
from walletkit.signer import Policy, Signer, SQLiteStore
from walletkit.testing import start_engine

ETHER = 10**18
HERE = Path(__file__).parent


def _receiver(chain: str, **options: Any) -> wk.Account:
    return wk.Wallet.from_mnemonic(wk.generate_mnemonic()).account(chain, **options)


# --- Ethereum on anvil -------------------------------------------------------------------


def test_eip1559_and_erc20_transfers_mined_on_anvil(anvil_eth: Any, hsm_store: Pkcs11KeyStore, label: str) -> None:
    hsm_store.generate("eth", label)
    sender = hsm_store.account("eth", label)
    receiver = _receiver("eth")
    anvil_eth.fund(sender.address, 10 * ETHER)
    connected = sender.connect(anvil_eth)
    txid = connected.send(receiver.address, 12_345)
    receipt = anvil_eth.w3.eth.get_transaction_receipt(txid)
    assert receipt["status"] == 1 and receipt["type"] == 2 and receipt["from"] == sender.address
    assert anvil_eth.balance(receiver.address) == 12_345
    raw = bytes(anvil_eth.w3.eth.get_raw_transaction(txid))
    assert EthAccount.recover_transaction(raw) == sender.address  # eth-account reads the same signer

    token = anvil_eth.deploy_test_token(sender, 1_000_000_000)  # the deployment is signed in the token too
    txid = connected.send(receiver.address, 250_000, token=token)
    receipt = anvil_eth.w3.eth.get_transaction_receipt(txid)
    assert receipt["status"] == 1 and receipt["type"] == 2 and receipt["to"] == token
    assert anvil_eth.balance(receiver.address, token) == 250_000
    assert anvil_eth.balance(sender.address, token) == 1_000_000_000 - 250_000


def test_evm_messages_recover_to_the_hsm_address(hsm_store: Pkcs11KeyStore, label: str) -> None:
    hsm_store.generate("eth", label)
    account = hsm_store.account("eth", label)
    signature = account.sign_message("hello from the token")
    assert (
        EthAccount.recover_message(encode_defunct(text="hello from the token"), signature=signature) == account.address
    )
    assert account.verify_message("hello from the token", signature)
    document = load_vectors("eth_eip712_mail_example")["typed_data"]
    typed = account.plugin.sign_typed_data(account, document)  # type: ignore[attr-defined]
    assert EthAccount.recover_message(encode_typed_data(full_message=document), signature=typed) == account.address
    bsc = hsm_store.account("bsc", label)  # one secp256k1 key serves every EVM chain
    assert bsc.address == account.address


# --- Bitcoin on the kernel's regtest chain -------------------------------------------------


@pytest.fixture(scope="module")
def regtest() -> Iterator[Any]:
    """A kernel regtest chain of this module's own, stopped at its end.

    The session's shared chain (``wk_engine("btc")``) is left alone: the blocks mined here
    would move its height, and with it the subsidy other modules' tests are funded by.
    """
    with start_engine("btc") as chain:
        yield chain


@pytest.mark.parametrize("kind", ["p2wpkh", "p2pkh", "p2sh-p2wpkh"])
def test_bitcoin_spend_accepted_by_the_kernel(regtest: Any, hsm_store: Pkcs11KeyStore, label: str, kind: str) -> None:
    chain = regtest
    hsm_store.generate("btc", label)
    sender = hsm_store.account("btc", label, kind=kind, network="regtest")
    chain.mine(1, to=sender.address)
    chain.mine(100)  # coinbase maturity
    coinbase = chain.balance(sender.address)
    assert coinbase > 0
    receiver = _receiver("btc", kind="p2wpkh", network="regtest")
    height = chain.height
    txid = sender.connect(chain).send(receiver.address, coinbase // 3)
    assert chain.wait(txid) == height + 1 == chain.height  # in a block libbitcoinkernel accepted
    assert chain.balance(receiver.address) == coinbase // 3
    txid = sender.connect(chain).send(receiver.address, coinbase // 4)  # spends the change: signed again
    assert chain.wait(txid) == chain.height and chain.balance(receiver.address) == coinbase // 3 + coinbase // 4


def test_bitcoin_messages(hsm_store: Pkcs11KeyStore, label: str) -> None:
    hsm_store.generate("btc", label)
    account = hsm_store.account("btc", label)  # mainnet P2WPKH
    signature = account.sign_message("proof of reserves")
    assert wk.verify_message("btc", account.address, "proof of reserves", signature)
    bip322 = account.plugin.sign_message_bip322(account, "proof of reserves")  # type: ignore[attr-defined]
    assert wk.verify_message("btc", account.address, "proof of reserves", bip322)
    assert not wk.verify_message("btc", account.address, "proof of reserve", bip322)


# --- TRON against tronweb --------------------------------------------------------------------


@pytest.fixture(scope="module")
def tronweb_env() -> dict[str, str]:
    from chains.tron.tronweb import tronweb_path

    return dict(os.environ, TRONWEB_PATH=str(tronweb_path()))


def _tronweb(env: dict[str, str], request: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(HERE / "tronweb_recover.js")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    assert "error" not in answer, answer
    return answer


HEADER = {
    "ref_block_bytes": "f2b8",
    "ref_block_hash": "a1b2c3d4e5f60718",
    "timestamp": 1_700_000_000_000,
    "expiration": 1_700_000_060_000,
}


@pytest.mark.parametrize("kind", ["trx", "trc20"])
def test_tron_transfer_recovered_by_tronweb(
    tronweb_env: dict[str, str], hsm_store: Pkcs11KeyStore, label: str, kind: str
) -> None:
    hsm_store.generate("tron", label)
    account = hsm_store.account("tron", label)
    to = _receiver("tron").address
    usdt = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    if kind == "trx":
        signed = account.sign(account.transfer(to, 1_234_567, **HEADER))
        params: dict[str, Any] = {"to": to, "amount": 1_234_567, "from": account.address}
    else:
        signed = account.sign(account.transfer(to, 10**6, token=usdt, fee_limit=30_000_000, **HEADER))
        params = {"to": to, "amount": str(10**6), "from": account.address, "contract": usdt, "fee_limit": 30_000_000}
    body: dict[str, Any] = signed.extra["json"]  # type: ignore[assignment]
    theirs = _tronweb(
        tronweb_env, {"kind": kind, "params": params, "header": HEADER, "signature": body["signature"][0]}
    )
    assert theirs["raw_data_hex"] == body["raw_data_hex"] and theirs["txID"] == signed.txid
    assert theirs["signer"] == account.address  # tronweb recovers the HSM key's address from the signature


def test_tron_message_verified_by_tronweb(hsm_store: Pkcs11KeyStore, label: str) -> None:
    from chains.tron.tronweb import TronWebOracle

    hsm_store.generate("tron", label)
    account = hsm_store.account("tron", label)
    signature = account.sign_message("withdraw 100 USDT")
    with TronWebOracle() as oracle:
        answer = oracle.request({"op": "verify_message", "message": "withdraw 100 USDT", "signature": signature})
    assert answer["address"] == account.address


# --- Solana on LiteSVM -----------------------------------------------------------------------


def test_solana_transfer_on_litesvm(solana_svm: Any, hsm_store: Pkcs11KeyStore, label: str) -> None:
    assert hsm_store.supports("ed25519"), f"SoftHSM offers no EdDSA here; mechanisms: {hsm_store.mechanisms}"
    hsm_store.generate("sol", label)
    sender = hsm_store.account("sol", label)
    receiver = _receiver("sol")
    solana_svm.airdrop(sender.address, 2 * 10**9)
    txid = sender.connect(solana_svm).send(receiver.address, 10**9 // 2)
    assert solana_svm.balance(receiver.address) == 10**9 // 2
    assert solana_svm.balance(sender.address) == 2 * 10**9 - 10**9 // 2 - solana_svm.fee_of(txid)
    signature = sender.sign_message("gm")
    assert wk.verify_message("sol", sender.address, "gm", signature)


# --- the signer ------------------------------------------------------------------------------


@pytest.fixture
def guarded(
    anvil_eth: Any, hsm_store: Pkcs11KeyStore, label: str, tmp_path: Path
) -> Iterator[tuple[wk.Account, wk.Account, Signer]]:
    hsm_store.generate("eth", label)
    hot = hsm_store.account("eth", label)
    customer = _receiver("eth")
    anvil_eth.fund(hot.address, 10 * ETHER)
    policy = Policy.from_toml(f"""
[chains.eth]
networks = ["mainnet"]
recipients = ["{customer.address}"]
max_per_tx = "0.5"
window = {{ amount = "1", seconds = 3600 }}
max_fee = "0.01"
""")
    yield hot, customer, Signer(policy, SQLiteStore(tmp_path / "signer.db"))


def test_signer_policy_and_idempotency_on_an_hsm_account(
    anvil_eth: Any, guarded: tuple[wk.Account, wk.Account, Signer]
) -> None:
    hot, customer, signer = guarded
    unit = ETHER // 10
    txids = {signer.send(hot, anvil_eth, customer.address, 4 * unit, idempotency_key="payout-1") for _ in range(3)}
    assert len(txids) == 1  # retries replay the one transaction
    assert anvil_eth.w3.eth.get_transaction_count(hot.address) == 1
    assert anvil_eth.balance(customer.address) == 4 * unit
    assert anvil_eth.w3.eth.get_transaction_receipt(txids.pop())["from"] == hot.address
    with pytest.raises(wk.errors.PolicyViolation) as stranger:
        signer.send(hot, anvil_eth, "0x" + "12" * 20, unit, idempotency_key="payout-2")
    with pytest.raises(wk.errors.PolicyViolation) as too_much:
        signer.send(hot, anvil_eth, customer.address, 6 * unit, idempotency_key="payout-3")
    signer.send(hot, anvil_eth, customer.address, 4 * unit, idempotency_key="payout-4")
    with pytest.raises(wk.errors.PolicyViolation) as window:
        signer.send(hot, anvil_eth, customer.address, 4 * unit, idempotency_key="payout-5")  # 1.2 over a 1 ETH window
    assert (stranger.value.rule, too_much.value.rule, window.value.rule) == (
        "recipient_allowlist",
        "max_per_tx",
        "rolling_window",
    )
    assert anvil_eth.balance(customer.address) == 8 * unit
    assert anvil_eth.w3.eth.get_transaction_count(hot.address) == 2  # refusals took no nonce
    store = signer.store
    assert store.verify_audit()
    decisions = [e["decision"] for e in store.audit_events()]
    assert decisions.count("signed") == 2 and decisions.count("refused") == 3, decisions
    assert all(PIN not in str(e) and SPARE_PIN not in str(e) for e in store.audit_events())
