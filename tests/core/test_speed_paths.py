"""The fast paths of issue 18 give what the slow paths give, under threads too.

- A wallet's node cache takes its lock only to evict: many threads deriving through one
  wallet past the cache's size get the addresses a fresh wallet gives each one alone.
- A point made by a BIP32 public tweak is kept for the child's address: right past the
  bounded map's size, and equal to coincurve's and bip_utils' results.
- ``public_from_seed`` and the kept ed25519 key agree with OpenSSL's ed25519 on every input
  form, and refuse what is not a 32-byte seed with a typed error.
"""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import walletkit as wk
from walletkit.crypto import ed25519
from walletkit.wallet import _CACHE_SIZE

PHRASE = "abandon " * 11 + "about"


def test_threads_share_one_wallet_past_its_cache_size() -> None:
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    numbers = range(0, 2 * _CACHE_SIZE // 3)  # 3 inner nodes per SOL account number: the cache evicts
    expected = {}
    for chain in ("sol", "eth"):
        for n in numbers[::37]:
            expected[(chain, n)] = wk.Wallet.from_mnemonic(PHRASE).account(chain, account=n, index=n % 3).address
    seen: dict[tuple[str, int], set[str]] = {}
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in list(numbers[offset::4]) + list(numbers[::37]):
                for chain in ("sol", "eth"):
                    address = wallet.account(chain, account=n, index=n % 3).address
                    seen.setdefault((chain, n), set()).add(address)
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(wallet._cache) <= _CACHE_SIZE
    for key, address in expected.items():
        assert seen[key] == {address}, key
    assert all(len(addresses) == 1 for addresses in seen.values())


@pytest.mark.parametrize("form", [bytes, bytearray])
def test_public_from_seed_forms(form: type) -> None:
    seed = bytes(range(7, 39))
    expected = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert ed25519.public_from_seed(form(seed)) == expected
    assert ed25519.SigningKey(form(seed)).public == expected


@pytest.mark.parametrize("bad", [b"", bytes(31), bytes(33), bytearray(31), "00" * 32, None, 7])
def test_public_from_seed_refuses_what_is_not_a_seed(bad: object) -> None:
    with pytest.raises(wk.errors.InvalidKey, match="an ed25519 seed is 32 bytes"):
        ed25519.public_from_seed(bad)  # type: ignore[arg-type]
    with pytest.raises(wk.errors.InvalidKey, match="an ed25519 seed is 32 bytes"):
        ed25519.sign(bad, b"m")  # type: ignore[arg-type]


def test_tweaked_points_are_kept_and_right_past_the_cache_size() -> None:
    """A child's point is kept by the tweak that made it, so its address skips a parse; the map stays bounded."""
    import coincurve

    from walletkit.crypto import secp256k1
    from walletkit.keys import PublicKey

    parent = coincurve.PublicKey.from_valid_secret(bytes(31) + b"\x09")
    children = []
    for i in range(secp256k1._POINTS + 100):
        tweak = (i + 1).to_bytes(32, "big")
        compressed = secp256k1.add_tweak(parent.format(True), tweak)
        children.append((compressed, tweak))
        assert len(secp256k1._points) <= secp256k1._POINTS
    for compressed, tweak in children[::97] + children[-3:]:
        expected = parent.add(tweak)
        assert compressed == expected.format(True)
        assert PublicKey("secp256k1", compressed, _trusted=True).uncompressed() == expected.format(False)


def test_xpub_addresses_match_bip_utils() -> None:
    from bip_utils import Bip44, Bip44Changes, Bip44Coins

    from walletkit.hd.bip32 import HDNode

    wallet = wk.Wallet.from_mnemonic(PHRASE)
    xpub = HDNode.from_seed(wk.bip39.mnemonic_to_seed(PHRASE)).derive("m/44'/60'/0'").to_xpub()
    ours = [a.address for a in wk.Wallet.from_xpub(xpub, "eth").accounts("eth", 40)]
    change = Bip44.FromExtendedKey(xpub, Bip44Coins.ETHEREUM).Change(Bip44Changes.CHAIN_EXT)
    assert ours == [change.AddressIndex(i).PublicKey().ToAddress() for i in range(40)]
    assert ours[:3] == [wallet.account("eth", index=i).address for i in range(3)]
