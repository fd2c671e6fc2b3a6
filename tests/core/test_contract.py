"""The contract every registered chain plugin must pass, run over all of them.

A plugin from a third party is held to the same suite: register it and these run.
"""

from __future__ import annotations

import pytest

import walletkit as wk
from walletkit.chain import Chain
from walletkit.errors import InvalidAddress, InvalidAmount, InvalidInput, InvalidKey

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
CHAINS = wk.list_chains()


@pytest.fixture(scope="module")
def wallet() -> wk.Wallet:
    return wk.Wallet.from_mnemonic(PHRASE)


def test_the_five_chains_are_installed() -> None:
    assert {"btc", "eth", "bsc", "tron", "sol"} <= set(CHAINS)


@pytest.mark.parametrize("chain", CHAINS)
def test_plugin_satisfies_protocol(chain: str) -> None:
    plugin = wk.get_chain(chain)
    assert isinstance(plugin, Chain)
    spec = plugin.spec
    assert spec.name == chain and spec.networks and spec.kinds and spec.profiles
    assert spec.curve in ("secp256k1", "ed25519")
    for alias in spec.aliases:
        assert wk.get_chain(alias) is plugin
        assert wk.get_chain(alias.upper()) is plugin


@pytest.mark.parametrize("chain", CHAINS)
def test_every_kind_and_network_gives_valid_addresses(wallet: wk.Wallet, chain: str) -> None:
    spec = wk.get_chain(chain).spec
    for network in spec.networks:
        for kind in spec.kinds:
            accounts = wallet.accounts(chain, count=3, kind=kind, network=network)
            addresses = [a.address for a in accounts]
            assert len(set(addresses)) == 3
            for account in accounts:
                assert account.chain == chain and account.network == network and account.kind == kind
                assert wk.validate_address(chain, account.address, network) == account.address


@pytest.mark.parametrize("chain", CHAINS)
def test_private_key_export_import_round_trip(wallet: wk.Wallet, chain: str) -> None:
    spec = wk.get_chain(chain).spec
    for network in spec.networks:
        account = wallet.account(chain, index=2, network=network)
        again = wk.Account.from_private_key(chain, account.export_private_key(), kind=account.kind, network=network)
        assert again.address == account.address
        assert again.public_key == account.public_key


@pytest.mark.parametrize("chain", CHAINS)
def test_message_sign_verify(wallet: wk.Wallet, chain: str) -> None:
    account, other = wallet.accounts(chain, count=2)
    signature = account.sign_message("hello walletkit")
    assert wk.verify_message(chain, account.address, "hello walletkit", signature)
    assert account.verify_message("hello walletkit", signature)
    assert not wk.verify_message(chain, account.address, "hello walletkit!", signature)
    assert not wk.verify_message(chain, other.address, "hello walletkit", signature)


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("bad", ["", "not an address", "0x", "1" * 100, "T" + "1" * 33])
def test_bad_addresses_are_typed_errors(chain: str, bad: str) -> None:
    with pytest.raises(InvalidAddress):
        wk.validate_address(chain, bad)


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("bad", ["", "zz", "00" * 32, "ff" * 32, "11" * 31, b"\x01" * 31])
def test_bad_private_keys_are_typed_errors(chain: str, bad: str | bytes) -> None:
    with pytest.raises(InvalidKey) as info:
        wk.Account.from_private_key(chain, bad)
    if isinstance(bad, str) and len(bad) > 8:
        assert bad not in str(info.value)


@pytest.mark.parametrize("chain", CHAINS)
def test_float_amount_is_refused_before_the_plugin(wallet: wk.Wallet, chain: str) -> None:
    account = wallet.account(chain)
    with pytest.raises(InvalidAmount, match="integer of base units"):
        account.transfer(account.address, 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("chain", CHAINS)
def test_unknown_options_name_the_allowed_ones(wallet: wk.Wallet, chain: str) -> None:
    with pytest.raises(InvalidInput, match="expected one of"):
        wallet.account(chain, network="no-such-net")
    with pytest.raises(InvalidInput, match="expected one of"):
        wallet.account(chain, kind="no-such-kind")


@pytest.mark.parametrize("chain", CHAINS)
def test_repr_shows_no_secret(wallet: wk.Wallet, chain: str) -> None:
    account = wallet.account(chain)
    secret = account.signing_key().secret_bytes().hex()
    exported = account.export_private_key()
    for text in (repr(account), str(account), repr(account.signing_key()), str(account.signing_key()), repr(wallet)):
        assert secret not in text.lower() and exported not in text


def test_unknown_chain_lists_installed() -> None:
    with pytest.raises(wk.errors.UnknownChain, match=r"installed: .*btc"):
        wk.get_chain("dogecoin")
