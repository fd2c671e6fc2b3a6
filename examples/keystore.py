"""Create a keystore, reopen it, derive an account, and export a v3 keyfile that eth-account decrypts."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from eth_account import Account

import walletkit as wk
from walletkit.keystore import Keystore, v3


def main() -> None:
    """Run the round trip in a temporary folder and print what happened (no secrets).

    The folder is removed on every way out, an error included.
    """
    with tempfile.TemporaryDirectory(prefix="walletkit-keystore-example-") as name:
        round_trip(Path(name))


def round_trip(folder: Path) -> None:
    """Create, reopen and export a keystore in ``folder``."""
    path = folder / "wallet.json"
    password = "correct horse battery staple"
    Keystore.create(path, password, mnemonic=wk.generate_mnemonic(24))  # scrypt N=2^18, AES-256-GCM
    print(f"created {path} ({path.stat().st_size} bytes, mode {oct(path.stat().st_mode & 0o777)})")
    ks = Keystore.open(path, password)
    ks.add_account("main", "eth", "m/44'/60'/0'/0/0", "everyday")
    account = ks.account("main")
    print(f"reopened; account 'main' is {account.address}")
    keyfile = v3.encrypt(account.signing_key().secret_bytes(), password)
    (folder / "main-v3.json").write_text(json.dumps(keyfile))
    recovered = Account.from_key(Account.decrypt(keyfile, password))
    print(f"exported a v3 keyfile; eth-account decrypts it to {recovered.address}")
    if recovered.address != account.address:
        raise SystemExit(f"eth-account decrypted the v3 file to {recovered.address}, not {account.address}")


if __name__ == "__main__":
    main()
