"""The kind: an error says what was wrong and what was expected, not which Python exception fired.

A new user met ``is not a walletkit keystore: KeyError``, ``not readable JSON: JSONDecodeError``,
``no chain named 'gwei'`` from ``parse_units`` and "insufficient funds ... token units" for a
token address that is an account. Each now says what is wrong in the user's terms: the empty
file, the JSON position, the missing field, that a unit is a chain or a number of decimals, that
no contract is deployed at the token address (asked of a real anvil). A source scan holds the
kind: in ``walletkit/cli`` and ``walletkit/keystore`` no message is made from the caught
exception's class name.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import walletkit as wk
from walletkit.errors import InsufficientFunds, InvalidAddress, KeystoreCorrupted, UnknownChain
from walletkit.keystore import v3

ROOT = Path(__file__).parent.parent.parent
PYTHON_NAMES = ("KeyError", "JSONDecodeError", "TypeError", "ValueError", "AttributeError", "UnicodeDecodeError")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def assert_no_internals(text: str) -> None:
    for name in PYTHON_NAMES:
        assert name not in text, text


# --- the source holds the kind --------------------------------------------------------------------


def class_name_only_messages(path: Path) -> list[int]:
    """Lines where a handler ``except ... as e`` raises with ``type(e).__name__`` as the only word about e."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for handler in (n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler) and n.name):
        for node in ast.walk(handler):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            for text in (n for n in ast.walk(node.exc) if isinstance(n, ast.JoinedStr)):
                mentions = [v.value for v in text.values if isinstance(v, ast.FormattedValue)]
                about_e = [
                    m for m in mentions if handler.name in {x.id for x in ast.walk(m) if isinstance(x, ast.Name)}
                ]
                if about_e and all(ast.unparse(m) == f"type({handler.name}).__name__" for m in about_e):
                    found.append(node.lineno)
    return found


@pytest.mark.parametrize("package", ["walletkit/cli", "walletkit/keystore"])
def test_no_message_is_a_class_name(package: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): lines for p in (ROOT / package).glob("*.py") if (lines := class_name_only_messages(p))
    }
    assert offenders == {}


def test_the_scan_finds_the_old_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    try:\n        pass\n    except ValueError as e:\n"
        "        raise RuntimeError(f'not readable JSON: {type(e).__name__}') from None\n"
    )
    assert class_name_only_messages(sample) == [5]


# --- keystore list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("", "is not a walletkit keystore: the file is empty"),
        ("\n  \n", "is not a walletkit keystore: the file is empty"),
        ('{"accounts": [\n  {"name": "a",}\n]}', "is not a walletkit keystore: not JSON (Expecting property name "
         "enclosed in double quotes at line 2, column 16)"),
        ("[1, 2]", 'is not a walletkit keystore: it has no "walletkit_keystore": 1 entry'),
        ('{"version": 3, "crypto": {}}', 'it has no "walletkit_keystore": 1 entry (it looks like an Ethereum v3 '
         "keyfile: add it with keystore import --v3)"),
        ('{"walletkit_keystore": 1, "accounts": {}}', "is a damaged walletkit keystore: 'accounts' is not a list"),
        ('{"walletkit_keystore": 1, "accounts": [{"name": "x"}]}',
         "is a damaged walletkit keystore: account entry 1 has no name or chain"),
    ],
)  # fmt: skip
def test_keystore_list_says_what_the_file_is(tmp_path: Path, content: str, said: str) -> None:
    path = tmp_path / "empty.json"
    path.write_text(content)
    out = run("keystore", "list", str(path))
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip().startswith(f"error: {path}") and said in out.stderr
    assert_no_internals(out.stderr)


def test_keystore_list_of_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "k.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    out = run("keystore", "list", str(binary))
    assert out.returncode == 1 and "is not a walletkit keystore: it is not text (UTF-8 JSON)" in out.stderr
    missing = run("keystore", "list", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and f"no keystore at {tmp_path / 'nope.json'}" in missing.stderr


# --- the transaction file of walletkit sign ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",\n "amount": 0.1,,}',
         "is not JSON: Expecting property name enclosed in double quotes at line 2, column 16"),
        ("", "is not JSON: Expecting value at line 1, column 1"),
        ("[1]", "a transfer document is a JSON object, got an array"),
        ('{"to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "amount": 0.1}',
         "'amount' is decimal text in whole coins (\"0.1\"), got a number (0.1)"),
    ],
)  # fmt: skip
def test_sign_tx_file_errors_give_the_position(tmp_path: Path, content: str, said: str) -> None:
    tx = tmp_path / "tx.json"
    tx.write_text(content)
    out = run("sign", "--chain", "eth", "--tx", str(tx), "--phrase-env", "WK_UNSET_PHRASE")
    assert out.returncode == 2, out.stderr
    assert said in out.stderr
    assert_no_internals(out.stderr)


def test_sign_tx_file_not_text(tmp_path: Path) -> None:
    tx = tmp_path / "tx.json"
    tx.write_bytes(b'{"to": "\xff"}')
    out = run("sign", "--chain", "eth", "--tx", str(tx))
    assert out.returncode == 2 and f"the transaction file {tx} is not UTF-8 text (byte 8)" in out.stderr


# --- walletkit.keystore's own parsers ---------------------------------------------------------------------


def test_v3_keyfile_missing_and_bad_fields() -> None:
    good = v3.encrypt(b"\x07" * 32, "pw", n=1 << 4, allow_weak=True)
    missing = json.loads(json.dumps(good))
    del missing["crypto"]["mac"]
    with pytest.raises(KeystoreCorrupted, match=r"^malformed v3 keyfile: the field 'mac' is missing$"):
        v3.decrypt(missing, "pw", allow_weak=True)
    bad_hex = json.loads(json.dumps(good))
    bad_hex["crypto"]["kdfparams"]["salt"] = "12zz"
    with pytest.raises(
        KeystoreCorrupted, match=r"a field that should be hex is not \(a non-hex character at position 2\)"
    ):
        v3.decrypt(bad_hex, "pw", allow_weak=True)
    with pytest.raises(KeystoreCorrupted, match=r"not JSON: Expecting value at line 1, column 1"):
        v3.decrypt("", "pw")
    wrong_type = json.loads(json.dumps(good))
    wrong_type["crypto"]["cipherparams"] = "not an object"
    with pytest.raises(KeystoreCorrupted, match="a field holds the wrong type of value"):
        v3.decrypt(wrong_type, "pw", allow_weak=True)


def test_keystore_header_missing_fields(tmp_path: Path) -> None:
    from walletkit.keystore import Keystore

    path = tmp_path / "k.json"
    Keystore.create(path, "pw", mnemonic="abandon " * 11 + "about")
    document = json.loads(path.read_text())
    del document["ciphertext"]
    path.write_text(json.dumps(document))
    with pytest.raises(KeystoreCorrupted, match=r"^the keystore is malformed: the field 'ciphertext' is missing$"):
        Keystore.open(path, "pw")
    document = json.loads(path.read_text())
    document["kdf"] = {"name": "scrypt", "n": 2**18, "r": 8, "p": 1}
    document["ciphertext"] = "00" * 32
    path.write_text(json.dumps(document))
    with pytest.raises(KeystoreCorrupted, match=r"kdf section is malformed: the field 'salt' is missing$"):
        Keystore.open(path, "pw")


# --- parse_units ----------------------------------------------------------------------------------------


def test_parse_units_says_a_unit_is_a_chain_or_decimals() -> None:
    assert wk.parse_units("30", 9) == 30 * 10**9
    with pytest.raises(UnknownChain) as caught:
        wk.parse_units("30", "gwei")
    message = str(caught.value)
    assert message.startswith("a unit is a chain name (") and "or a number of decimals (an int), got 'gwei'" in message
    assert message.endswith("gwei is 9 decimals of ether: pass 9")
    for chain in ("btc", "eth", "sol", "tron"):
        assert chain in message
    with pytest.raises(UnknownChain, match=r"got 'doge'$"):  # no hint for a name that is not a denomination
        wk.format_units(1, "doge")
    for function in (wk.parse_units, wk.format_units):
        assert "UnknownChain" in (function.__doc__ or "")


# --- a token address that is an account -------------------------------------------------------------------


@pytest.fixture(scope="module")
def funded(anvil_eth: Any) -> tuple[Any, Any]:
    wallet = wk.Wallet.from_mnemonic("abandon " * 11 + "about")
    payer, eoa = wallet.accounts("eth", 2, 40)
    anvil_eth.fund(payer.address, 10**18)
    return payer, eoa


def test_send_token_to_an_account_is_not_a_token(anvil_eth: Any, funded: tuple[Any, Any]) -> None:
    payer, eoa = funded
    with pytest.raises(InvalidAddress) as caught:
        payer.connect(anvil_eth).send(eoa.address, 5, token=eoa.address)
    assert str(caught.value) == (
        f"{eoa.address} is not a token contract on eth mainnet: no code is deployed there (it is an account); "
        "give the token's contract address"
    )


def test_send_token_beyond_the_balance_is_still_insufficient_funds(anvil_eth: Any, funded: tuple[Any, Any]) -> None:
    payer, eoa = funded
    token = anvil_eth.deploy_test_token(payer, 1_000)
    with pytest.raises(InsufficientFunds, match="token units"):
        payer.connect(anvil_eth).send(eoa.address, 1_001, token=token)
    assert payer.connect(anvil_eth).send(eoa.address, 1_000, token=token)


def test_send_token_to_an_account_through_the_command(anvil_eth: Any, funded: tuple[Any, Any]) -> None:
    _, eoa = funded
    out = run("send", "--chain", "eth", "--index", "40", "--phrase-env", "WK_PHRASE", "--url", anvil_eth.url,
              "--to", eoa.address, "--base-units", "5", "--token", eoa.address,
              env={"WK_PHRASE": "abandon " * 11 + "about"})  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert f"error: {eoa.address} is not a token contract on eth mainnet" in out.stderr
    assert "insufficient" not in out.stderr


# --- a missing extra ----------------------------------------------------------------------------------------


def test_missing_extra_names_the_package_and_the_extra() -> None:
    code = (
        "import sys\nsys.modules['pbk'] = None\n"  # how the interpreter itself makes an import fail
        "from walletkit.testing import start_engine\n"
        "try:\n    start_engine('btc')\nexcept Exception as e:\n    print(type(e).__name__, '|', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    kind, message = out.stdout.strip().split(" | ", 1)
    assert kind == "MissingExtra"
    assert "needs the 'engines' extra: pbk is not installed; run: " in message
    assert 'python -m pip install "walletkit-multichain[engines]"' in message
    assert message.endswith(", which installs py-bitcoinkernel")


def test_every_extra_names_its_packages() -> None:
    import re

    import tomllib

    from walletkit.extras import EXTRAS, PACKAGES

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(PACKAGES) == set(EXTRAS)
    for extra, packages in PACKAGES.items():
        declared = {re.split(r"[\[<>=;! ]", r, maxsplit=1)[0].strip().lower() for r in extras[extra]}
        assert declared == set(packages), extra
