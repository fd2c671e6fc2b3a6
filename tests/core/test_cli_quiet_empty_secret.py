"""Issue 16 items 10 and 11, the kind: a secret that is missing is never read as empty.

Every option of the ``walletkit`` command that names a secret's source (``--phrase-env``,
``--passphrase-env``, ``--password-env``, ``--password-file``, ``--mnemonic-env``,
``--key-env``, ``--new-password-env``...) and every command that would fall back to
standard input or a prompt is run with the source unset, empty or unreadable, and with
standard input not a terminal (``< /dev/null``, an empty pipe, as in cron or CI). Each must
refuse with exit 3 (docs/cli.md), one line on stderr naming the source, no traceback, no
secret echoed, and no file written. The real entry point runs in a subprocess each time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from walletkit.keystore import KdfParams, Keystore

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
PASSWORD = "canary-pw-5d21"
PASSPHRASE = "canary-passphrase-8e07"
KEY = "0x" + "46" * 32
UNSET = "WK_TEST_UNSET_VARIABLE_7c1"
EMPTY = "WK_TEST_EMPTY_VARIABLE_7c1"
SECRETS = (PHRASE, "legal winner", PASSWORD, PASSPHRASE, "46" * 32)


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in (UNSET, EMPTY)}
    return subprocess.run(
        [sys.executable, "-m", "walletkit.cli", *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        env={**base, EMPTY: "", "WK_PHRASE": PHRASE, "WK_PW": PASSWORD, "WK_KEY": KEY, **(env or {})},
        timeout=300,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def keystore_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ks") / "k.json"
    ks = Keystore.create(path, PASSWORD, mnemonic=PHRASE)  # default KDF: the CLI opens without allow_weak
    ks.add_account("hot", "eth", "m/44'/60'/0'/0/0")
    return path


def assert_refused(out: subprocess.CompletedProcess[str], *said: str) -> None:
    assert out.returncode == 3, (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for text in said:
        assert text in lines[0], (text, lines[0])
    assert "Traceback" not in out.stderr and not out.stdout.strip()
    for secret in SECRETS:
        assert secret not in out.stdout + out.stderr


# --- no source at all, stdin not a terminal --------------------------------------------------------


def test_keystore_create_generate_with_no_password_source_refuses(tmp_path: Path) -> None:
    # The case from the issue: `walletkit keystore create --generate < /dev/null` wrote an empty password.
    for stdin in (None, "", "\n"):
        out = run("keystore", "create", str(tmp_path / "k.json"), "--generate", stdin=stdin)
        assert_refused(out, "no keystore password given", "not a terminal", "--password-env NAME")
        assert list(tmp_path.iterdir()) == [], "nothing may be written"


def test_a_piped_line_is_never_a_password(tmp_path: Path) -> None:
    # Only a named source or a terminal gives a password: a stray pipe (cron, CI) is not one.
    out = run("keystore", "create", str(tmp_path / "k.json"), "--generate", stdin=PASSWORD + "\n")
    assert_refused(out, "no keystore password given")
    assert not (tmp_path / "k.json").exists()


def test_password_from_stdin_only_when_asked(tmp_path: Path) -> None:
    out = run("keystore", "create", str(tmp_path / "k.json"), "--generate", "--password-file", "-", stdin=PASSWORD)
    assert out.returncode == 0, out.stderr
    assert Keystore.open(tmp_path / "k.json", PASSWORD).has_mnemonic


@pytest.mark.parametrize(
    "args",
    [
        ["keystore", "show", "{ks}"],
        ["keystore", "add", "{ks}", "--name", "n", "--chain", "eth"],
        ["keystore", "import", "{ks}", "--name", "n", "--chain", "eth", "--key-env", "WK_KEY"],
        ["keystore", "export", "{ks}", "--name", "hot", "--v3", "{tmp}/out.json"],
        ["keystore", "passwd", "{ks}", "--new-password-env", "WK_PW"],
        ["keystore", "reveal", "{ks}"],
        ["addresses", "--chain", "eth", "--keystore", "{ks}"],
        ["addresses", "--keystore", "{ks}", "--name", "hot"],
        ["xpub", "--chain", "eth", "--keystore", "{ks}"],
        ["message", "sign", "--chain", "eth", "--keystore", "{ks}", "hi"],
        ["message", "sign", "--keystore", "{ks}", "--name", "hot", "hi"],
        ["sign", "--chain", "eth", "--keystore", "{ks}", "--tx", "{tx}"],
        [
            "send",
            "--chain",
            "eth",
            "--keystore",
            "{ks}",
            "--url",
            "http://127.0.0.1:9",
            "--to",
            "{to}",
            "--amount",
            "1",
        ],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_keystore_password_needs_a_source(args: list[str], keystore_file: Path, tmp_path: Path) -> None:
    before = keystore_file.read_bytes()
    tx = tmp_path / "tx.json"
    tx.write_text(json.dumps({"to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "amount": "1"}))
    fill = {"{ks}": str(keystore_file), "{tmp}": str(tmp_path), "{tx}": str(tx)}
    fill["{to}"] = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    argv = [fill.get(a, a).replace("{tmp}", str(tmp_path)) for a in args]
    for stdin in (None, "", PASSWORD + "\n"):
        assert_refused(run(*argv, stdin=stdin), "no keystore password given", "--password-env NAME")
        # the same with the named variable unset, or set but empty
        assert_refused(run(*argv, "--password-env", UNSET, stdin=stdin), UNSET, "is not set")
        assert_refused(run(*argv, "--password-env", EMPTY, stdin=stdin), EMPTY, "is empty")
        assert_refused(run(*argv, "--password-file", str(tmp_path / "nope"), stdin=stdin), "cannot read")
    assert keystore_file.read_bytes() == before and not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["addresses", "--chain", "eth"],
        ["mnemonic", "check"],
        ["message", "sign", "--chain", "tron", "hi"],
        ["sign", "--chain", "eth", "--tx", "{tx}"],
        ["send", "--chain", "eth", "--url", "http://127.0.0.1:9", "--to", "{to}", "--amount", "1"],
        ["keystore", "create", "{tmp}/k.json", "--password-env", "WK_PW"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_mnemonic_needs_a_source(args: list[str], tmp_path: Path) -> None:
    # Empty input is "no secret" (exit 3), as docs/cli.md says; it was exit 2 (a 0-word phrase).
    tx = tmp_path / "tx.json"
    tx.write_text(json.dumps({"to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "amount": "1"}))
    fill = {"{tx}": str(tx), "{to}": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}
    argv = [fill.get(a, a).replace("{tmp}", str(tmp_path)) for a in args]
    env_option = "--mnemonic-env" if args[0] == "keystore" else "--phrase-env"
    file_option = "--mnemonic-file" if args[0] == "keystore" else "--phrase-file"
    for stdin in (None, "", "\n", "   \n"):
        assert_refused(run(*argv, stdin=stdin), "no mnemonic given")
    assert_refused(run(*argv, env_option, UNSET), UNSET, "is not set", "mnemonic")
    assert_refused(run(*argv, env_option, EMPTY), EMPTY, "is empty")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert_refused(run(*argv, file_option, str(empty)), "held no mnemonic")
    assert_refused(run(*argv, file_option, str(tmp_path / "missing.txt")), "cannot read the mnemonic")
    assert not (tmp_path / "k.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["addresses", "--chain", "eth", "--phrase-env", "WK_PHRASE"],
        ["message", "sign", "--chain", "eth", "--phrase-env", "WK_PHRASE", "hi"],
        ["sign", "--chain", "eth", "--phrase-env", "WK_PHRASE", "--tx", "{tx}"],
        ["send", "--chain", "eth", "--phrase-env", "WK_PHRASE", "--url", "http://127.0.0.1:9", "--to", "{to}"],
        ["keystore", "create", "{tmp}/k.json", "--mnemonic-env", "WK_PHRASE", "--password-env", "WK_PW"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_unset_passphrase_variable_refuses(args: list[str], tmp_path: Path) -> None:
    # Item 11: `--passphrase-env NAME` with NAME unset gave the empty passphrase's wallet (other addresses).
    tx = tmp_path / "tx.json"
    tx.write_text(json.dumps({"to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "amount": "1"}))
    fill = {"{tx}": str(tx), "{to}": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}
    argv = [fill.get(a, a).replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] == "send":
        argv += ["--amount", "1"]
    assert_refused(run(*argv, "--passphrase-env", UNSET), UNSET, "is not set", "passphrase")
    assert not (tmp_path / "k.json").exists()


def test_an_empty_passphrase_set_on_purpose_is_a_passphrase() -> None:
    # A variable that is set, even to "", is a choice: BIP39's empty passphrase.
    with_empty = run(
        "addresses", "--chain", "eth", "--count", "1", "--json", "--phrase-env", "WK_PHRASE", "--passphrase-env", EMPTY
    )
    with_passphrase = run("addresses", "--chain", "eth", "--count", "1", "--json", "--phrase-env", "WK_PHRASE",
                          "--passphrase-env", "WK_PP", env={"WK_PP": PASSPHRASE})  # fmt: skip
    assert with_empty.returncode == with_passphrase.returncode == 0, with_empty.stderr + with_passphrase.stderr
    # Expected addresses: BIP39 vector 'legal winner ... yellow' under "" and this passphrase, by eth-account.
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    for out, passphrase in ((with_empty, ""), (with_passphrase, PASSPHRASE)):
        expected = Account.from_mnemonic(PHRASE, passphrase=passphrase).address
        assert json.loads(out.stdout)[0]["address"] == expected


@pytest.mark.parametrize(
    "args",
    [
        ["keystore", "create", "{tmp}/k.json", "--mnemonic-env", "{var}", "--password-env", "WK_PW"],
        ["keystore", "create", "{tmp}/k.json", "--generate", "--password-env", "{var}"],
        [
            "keystore",
            "import",
            "{ks}",
            "--name",
            "n",
            "--chain",
            "eth",
            "--key-env",
            "{var}",
            "--password-env",
            "WK_PW",
        ],
        ["keystore", "passwd", "{ks}", "--password-env", "WK_PW", "--new-password-env", "{var}"],
        ["keystore", "passwd", "{ks}", "--password-env", "{var}", "--new-password-env", "WK_PW"],
    ],
    ids=lambda a: " ".join(a[:2]) + " " + next(x for x in a if x.endswith("-env") and "{var}" in a[a.index(x) + 1]),
)
def test_every_env_option_refuses_unset_and_empty(args: list[str], keystore_file: Path, tmp_path: Path) -> None:
    before = keystore_file.read_bytes()
    for var, said in ((UNSET, "is not set"), (EMPTY, "is empty")):
        fill = {"{ks}": str(keystore_file), "{var}": var}
        argv = [fill.get(a, a).replace("{tmp}", str(tmp_path)) for a in args]
        assert_refused(run(*argv), var, said)
    assert keystore_file.read_bytes() == before and not (tmp_path / "k.json").exists()


def test_library_refuses_an_empty_password(tmp_path: Path) -> None:
    from walletkit.errors import InvalidInput, MissingSecret

    for empty in ("", b""):
        with pytest.raises(MissingSecret, match="must not be empty"):
            Keystore.create(tmp_path / "k.json", empty, mnemonic=PHRASE)
    assert not (tmp_path / "k.json").exists()
    ks = Keystore.create(
        tmp_path / "k.json", PASSWORD, mnemonic=PHRASE, kdf=KdfParams.scrypt(n=1 << 10), allow_weak=True
    )
    with pytest.raises(MissingSecret):
        ks.change_password("")
    assert issubclass(MissingSecret, InvalidInput)
    assert Keystore.open(tmp_path / "k.json", PASSWORD, allow_weak=True).has_mnemonic
