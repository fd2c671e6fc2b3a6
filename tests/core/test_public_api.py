"""The public surface changes only on purpose: this test locks ``walletkit.__all__``."""

from __future__ import annotations

import walletkit

EXPECTED = {
    "Account",
    "ChainClient",
    "ChainSpec",
    "ConnectedAccount",
    "DerivationPath",
    "Mnemonic",
    "PrivateKey",
    "PublicKey",
    "SignedTransaction",
    "Wallet",
    "WalletKitError",
    "__version__",
    "connect",
    "errors",
    "format_units",
    "generate_mnemonic",
    "get_chain",
    "is_valid_mnemonic",
    "list_chains",
    "mnemonic_to_seed",
    "parse_units",
    "validate_address",
    "validate_mnemonic",
    "verify_message",
}


def test_all_is_locked() -> None:
    assert set(walletkit.__all__) == EXPECTED


def test_every_export_exists_and_is_documented() -> None:
    for name in walletkit.__all__:
        obj = getattr(walletkit, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"


def test_errors_are_one_tree() -> None:
    from walletkit import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert all(issubclass(c, errors.WalletKitError) for c in classes)
    assert issubclass(errors.InvalidAddress, ValueError)


def test_walletkit_error_at_the_top_level() -> None:
    # Issue 16 item 20: users write `except wk.WalletKitError`; it is the root of walletkit.errors.
    import walletkit as wk
    from walletkit import errors

    assert wk.WalletKitError is errors.WalletKitError
    for name, cls in vars(errors).items():
        if isinstance(cls, type) and issubclass(cls, Exception):
            assert issubclass(cls, wk.WalletKitError), name
    raised = []
    for bad in (
        lambda: wk.parse_units("0." + "9" * 205, "btc"),
        lambda: wk.Wallet.from_mnemonic("abandon " * 11 + "abandon"),
        lambda: wk.validate_address("eth", "0x1234"),
        lambda: wk.get_chain("doge"),
    ):
        try:
            bad()
        except wk.WalletKitError as e:
            raised.append(type(e).__name__)
    assert raised == ["InvalidAmount", "ChecksumMismatch", "InvalidAddress", "UnknownChain"]
