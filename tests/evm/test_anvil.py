"""On a real node: anvil with chain ids 1 and 56, started by the tests (npm package installed on first use)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import walletkit as wk
from chains.evm.address import parse_address
from chains.evm.transaction import sign_authorization

ETHER = 10**18


@pytest.fixture(params=[("eth", 1), ("bsc", 56)], ids=["chain-id-1", "chain-id-56"], scope="module")
def node(request: pytest.FixtureRequest, wk_engine: Any) -> Any:
    chain, chain_id = request.param
    return wk_engine(chain, chain_id=chain_id)


@pytest.fixture
def funded(node: Any) -> tuple[wk.Account, wk.Account]:
    wallet = wk.Wallet.from_mnemonic(wk.generate_mnemonic())
    sender, receiver = wallet.accounts(node.chain, count=2)
    node.fund(sender.address, 10 * ETHER)
    return sender, receiver


@pytest.mark.parametrize("tx_type", [0, 1, 2])
def test_native_transfer_of_each_type(node: Any, funded: tuple[wk.Account, wk.Account], tx_type: int) -> None:
    sender, receiver = funded
    fields: dict[str, object] = {"tx_type": tx_type}
    if tx_type in (0, 1):
        fields["gas_price"] = node.w3.eth.gas_price
    if tx_type == 1:
        fields["access_list"] = [{"address": receiver.address, "storageKeys": ["0x" + "00" * 32]}]
        fields["gas"] = 30_000
    txid = sender.connect(node).send(receiver.address, 12_345, **fields)
    receipt = node.w3.eth.get_transaction_receipt(txid)
    assert receipt["status"] == 1 and receipt["type"] == tx_type
    assert node.balance(receiver.address) == 12_345
    assert node.w3.eth.get_transaction(txid)["chainId"] == node.chain_id


def test_eip7702_set_code(node: Any, funded: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = funded
    token = node.deploy_test_token(sender, 10**9)
    auth = sign_authorization(
        receiver.signing_key().secret_bytes(),
        node.chain_id,
        parse_address(token),
        node.w3.eth.get_transaction_count(receiver.address),
    )
    # The call goes to the sender (no code); the authorization sets the receiver's code on the way.
    txid = sender.connect(node).send(sender.address, 0, authorization_list=[auth], gas=100_000)
    assert node.w3.eth.get_transaction_receipt(txid)["type"] == 4
    assert node.w3.eth.get_code(receiver.address).hex().startswith("ef0100")  # the delegation designator


def test_eip7702_gas_is_filled_for_its_authorizations(node: Any, funded: tuple[wk.Account, wk.Account]) -> None:
    """Without gas= the client covers each authorization (25,000 gas, EIP-7702's PER_EMPTY_ACCOUNT_COST):
    with the 21,000 of a plain transfer anvil accepts the transaction and never mines it."""
    sender, receiver = funded
    delegate = "0x" + "5a" * 20
    auth = sign_authorization(
        receiver.signing_key().secret_bytes(),
        node.chain_id,
        parse_address(delegate),
        node.w3.eth.get_transaction_count(receiver.address),
    )
    txid = sender.connect(node).send(sender.address, 0, authorization_list=[auth])
    receipt = node.w3.eth.get_transaction_receipt(txid)
    assert receipt["status"] == 1 and receipt["type"] == 4
    assert node.w3.eth.get_transaction(txid)["gas"] == 46_000 >= receipt["gasUsed"]
    assert node.w3.eth.get_code(receiver.address).hex() == "ef0100" + "5a" * 20


def test_erc20_deploy_transfer_approve(node: Any, funded: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = funded
    token = node.deploy_test_token(sender, 1_000_000_000)
    connected = sender.connect(node)
    connected.send(receiver.address, 250_000, token=token)
    assert node.balance(receiver.address, token) == 250_000
    assert node.balance(sender.address, token) == 1_000_000_000 - 250_000
    connected.send(receiver.address, 40_000, token=token, approve=True)
    allowance = node.w3.eth.call(
        {
            "to": token,
            "data": bytes.fromhex("dd62ed3e")
            + bytes(12)
            + parse_address(sender.address)
            + bytes(12)
            + parse_address(receiver.address),
        }
    )
    assert int.from_bytes(allowance, "big") == 40_000
    with pytest.raises(wk.errors.InvalidTransaction, match="allow_unlimited"):
        connected.send(receiver.address, 2**256 - 1, token=token, approve=True)


def test_concurrent_sends_have_contiguous_nonces(node: Any, funded: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = funded
    connected = sender.connect(node)
    txids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(25):
                txid = connected.send(receiver.address, 1)
                with lock:
                    txids.append(txid)
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert len(set(txids)) == 200
    nonces = sorted(node.w3.eth.get_transaction(t)["nonce"] for t in txids)
    assert nonces == list(range(200))
    assert all(node.w3.eth.get_transaction_receipt(t)["status"] == 1 for t in txids)
    assert node.balance(receiver.address) == 200


def test_errors_before_anything_is_sent(node: Any, funded: tuple[wk.Account, wk.Account]) -> None:
    sender, receiver = funded
    connected = sender.connect(node)
    before = node.w3.eth.get_transaction_count(sender.address)
    with pytest.raises(wk.errors.InvalidAddress):
        connected.send("0x1234", 1)
    with pytest.raises(wk.errors.InvalidAmount, match="float"):
        connected.send(receiver.address, 0.5)  # type: ignore[arg-type]
    with pytest.raises(wk.errors.InsufficientFunds, match="need"):
        connected.send(receiver.address, 100 * ETHER)
    other = "bsc" if node.chain == "eth" else "eth"
    wrong = wk.connect(other, node.url)
    twin = wk.Account.from_private_key(other, sender.export_private_key())
    with pytest.raises(wk.errors.ChainMismatch, match=f"serves chain id {node.chain_id}"):
        twin.connect(wrong).send(receiver.address, 1)
    assert node.w3.eth.get_transaction_count(sender.address) == before


def test_a_transaction_automine_leaves_behind_is_still_mined() -> None:
    # anvil's automine can leave a ready transaction unmined (concurrent senders, nonces out of
    # order); the engine also mines a block a second, which takes it. Reproduced here by turning
    # automine off: the transaction is mined all the same.
    from walletkit.testing import start_engine

    with start_engine("eth", chain_id=1) as engine:
        sender, receiver = wk.Wallet.from_mnemonic(wk.generate_mnemonic()).accounts("eth", count=2)
        engine.fund(sender.address, ETHER)
        engine.w3.provider.make_request("evm_setAutomine", [False])
        txid = sender.connect(engine).send(receiver.address, 5, wait=False)
        receipt = engine.wait(txid, timeout=20)
        assert receipt["status"] == 1 and engine.balance(receiver.address) == 5
