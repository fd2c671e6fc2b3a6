"""Issue 16 item 8 (keystore side), the kind: no secret shows through introspection.

What structured loggers, debuggers and inspectors do to an object: ``dataclasses.asdict``,
``vars``, ``rich.inspect`` (private and dunder attributes too), ``rich.pretty``, ``pprint``,
``%r``/``%s`` logging, ``json.dumps(default=str)``, ``pickle``, ``copy``/``deepcopy``, and a
traceback that captures locals (pytest ``--showlocals``, loguru ``diagnose``). Applied to
every object of the keystore that holds a password or a secret: an opened, a created and
an upgraded :class:`Keystore`, and the sealed password its functions pass around. None may
show the mnemonic, the BIP39 passphrase, a raw key, the password, or the derived key.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import logging
import pickle
import pprint
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from rich.pretty import pretty_repr

from walletkit.errors import KeystoreError, WrongPassword
from walletkit.keystore import KdfParams, Keystore
from walletkit.keystore import store as store_module

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
PASSWORD = "canary-password-3b9e"
PASSPHRASE = "canary-passphrase-11f0"
KEY = "c0ffee" * 10 + "c0ffee00"[:4]
FAST = KdfParams.scrypt(n=1 << 10)


def _secrets() -> list[str]:
    return [PHRASE, "legal winner thank", PASSWORD, PASSPHRASE, KEY, PASSWORD.encode().hex()]


def _keystores(tmp_path: Path) -> list[object]:
    path = tmp_path / "w.json"
    created = Keystore.create(
        path, PASSWORD, mnemonic=PHRASE, passphrase=PASSPHRASE, kdf=FAST, allow_weak=True, keys={"raw": "0x" + KEY}
    )
    created.add_account("raw", "eth", key="0x" + KEY.replace("c0", "c1"))
    opened = Keystore.open(path, PASSWORD, allow_weak=True)
    upgraded = Keystore.open(path, PASSWORD, allow_weak=True)
    upgraded.change_password(PASSWORD, FAST, allow_weak=True)
    return [created, opened, upgraded, store_module._Sealed(PASSWORD.encode())]


def _rich_inspect(obj: object) -> str:
    from rich import inspect

    console = Console(file=io.StringIO(), width=300, record=True)
    inspect(obj, console=console, private=True, dunder=True, all=True, methods=True)
    return console.export_text()


def _logged(obj: object) -> str:
    stream = io.StringIO()
    logger = logging.getLogger("walletkit-introspection-test")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.info("%r %s", obj, obj)
        logger.info("held: %s", {"keystore": obj})
        logger.info("formatted: %(k)s", {"k": obj})
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def _refused(action: Callable[[], object]) -> str:
    try:
        shown = action()
    except TypeError as e:  # refused: the message is all that shows
        return str(e)
    return repr(shown)


VIEWS: dict[str, Callable[[object], str]] = {
    "repr": repr,
    "str": str,
    "format": lambda o: f"{o} {o!r} {o:>10}",
    "asdict": lambda o: _refused(lambda: dataclasses.asdict(o)),  # type: ignore[call-overload]
    "astuple": lambda o: _refused(lambda: dataclasses.astuple(o)),  # type: ignore[call-overload]
    "vars": lambda o: _refused(lambda: vars(o)),
    "dir": lambda o: " ".join(dir(o)),
    "dir-values": lambda o: " ".join(repr(getattr(o, n, None)) for n in dir(o) if not n.startswith("__")),
    "rich.inspect": _rich_inspect,
    "rich.pretty": pretty_repr,
    "pprint": pprint.pformat,
    "logging": _logged,
    "json-default-str": lambda o: json.dumps({"k": o}, default=str),
    "pickle": lambda o: _refused(lambda: pickle.dumps(o)),
    "pickle-protocol-0": lambda o: _refused(lambda: pickle.dumps(o, protocol=0)),
    "copy": lambda o: _refused(lambda: copy.copy(o)),
    "deepcopy": lambda o: _refused(lambda: copy.deepcopy(o)),
    "getstate": lambda o: _refused(lambda: o.__getstate__()),  # type: ignore[attr-defined]
}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_no_secret_through_introspection(view: str, tmp_path: Path) -> None:
    for obj in _keystores(tmp_path):
        shown = VIEWS[view](obj)
        for secret in _secrets():
            assert secret not in shown, f"{view} of {type(obj).__name__} shows a secret"
            assert secret.lower() not in shown.lower()


def test_what_is_refused(tmp_path: Path) -> None:
    ks = _keystores(tmp_path)[1]
    assert isinstance(ks, Keystore)
    assert not dataclasses.is_dataclass(ks)
    for action in (
        lambda: dataclasses.asdict(ks),  # type: ignore[call-overload]
        lambda: vars(ks),
        lambda: pickle.dumps(ks),
        lambda: copy.copy(ks),
        lambda: copy.deepcopy(ks),
        lambda: copy.deepcopy({"nested": [ks]}),
    ):
        with pytest.raises(TypeError):
            action()
    hidden = {"_secret", "_password"}
    assert hidden.isdisjoint(dir(ks))
    # Metadata is still there for inspectors and loggers.
    assert {"path", "id", "kdf", "accounts", "generation"} <= set(dir(ks))
    assert dataclasses.asdict(ks.accounts[0])["name"] == "raw"  # an AccountEntry holds no secret


def test_traceback_locals_show_no_password(tmp_path: Path) -> None:
    # pytest --showlocals, loguru diagnose=True and rich tracebacks print each frame's locals: the
    # keystore's frames hold the password, the phrase and a key only sealed (the frames of the
    # parsers they call, walletkit.bip39 and walletkit.keys, are those modules' own concern).
    path = tmp_path / "w.json"
    ks = Keystore.create(path, PASSWORD, mnemonic=PHRASE, passphrase=PASSPHRASE, kdf=FAST, allow_weak=True)
    failures: list[BaseException] = []
    for action in (
        lambda: Keystore.open(path, PASSWORD + "x", allow_weak=True),
        lambda: Keystore.open(path, PASSWORD, allow_weak=False),
        lambda: Keystore.create(path, PASSWORD, mnemonic=PHRASE, kdf=FAST, allow_weak=True),
        lambda: ks.add_account("raw", "eth", key="0x" + KEY[:-2]),
        lambda: ks.account("missing"),
    ):
        try:
            action()
        except Exception as e:
            failures.append(e)
    assert len(failures) == 5 and isinstance(failures[0], WrongPassword)
    assert all(isinstance(e, (KeystoreError, ValueError)) for e in failures)
    for error in failures:
        frames = [
            frame
            for frame in traceback.TracebackException.from_exception(error, capture_locals=True).stack
            if "walletkit/keystore" in frame.filename
        ]
        assert frames, "the error passes through the keystore's frames"
        text = "\n".join(f"{frame.name}: {frame.locals}" for frame in frames)
        for secret in [*_secrets(), PASSWORD + "x", KEY[:-2]]:
            assert secret not in text, f"a walletkit frame's locals show a secret:\n{text}"
