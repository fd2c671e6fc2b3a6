"""Secret-bearing core types (Mnemonic, Wallet) against the tools that look inside objects.

Issue 16, item 8: ``rich.inspect(mnemonic)`` showed the phrase, and a Mnemonic could be pickled
and copied. The kind: every way a library, a structured logger or a debugger reads an object
without being asked for a secret — rich.inspect (with private and dunder names too),
dataclasses.asdict, vars, pickle at every protocol, copy and deepcopy, __getstate__, repr, str,
format, pprint, rich.pretty — must show none of it. Held to PrivateKey's standard (walletkit.keys).
"""

from __future__ import annotations

import copy
import dataclasses
import io
import pickle
import pprint
import re
from collections.abc import Callable

import pytest
import rich
import rich.pretty
from rich.console import Console

import walletkit as wk
from walletkit.bip39 import Mnemonic, mnemonic_to_seed

# Words chosen from the list, none of which is in Mnemonic's own docstring (rich shows docstrings).
PHRASE = "turtle front uncle idea crush write shrug there lottery flower risk shell"
SEED = mnemonic_to_seed(PHRASE)


def _inspected(obj: object, **options: bool) -> str:
    console = Console(file=io.StringIO(), width=400, color_system=None)
    rich.inspect(obj, console=console, **options)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def _views(obj: object) -> list[str]:
    """Every way of looking at an object that a tool, a logger or a debugger uses."""
    views = [repr(obj), str(obj), f"{obj}", f"{obj!r}", f"{obj:>10}", pprint.pformat(obj)]
    for options in ({}, {"private": True}, {"dunder": True}, {"all": True}, {"help": True}):
        views.append(_inspected(obj, **options))
    buffer = io.StringIO()
    rich.pretty.pprint(obj, console=Console(file=buffer, width=400, color_system=None))
    views.append(buffer.getvalue())
    return views


def _leaks(texts: list[str], docstring: str) -> list[str]:
    found = []
    for text in texts:
        for secret in (SEED.hex()[:16], repr(SEED)[2:18], PHRASE, " ".join(PHRASE.split()[4:7])):
            if secret in text:
                found.append(secret)
        found += [w for w in PHRASE.split() if re.search(rf"\b{w}\b", text) and w not in docstring]
    return found


@pytest.mark.parametrize(
    "make",
    [lambda: Mnemonic.parse(PHRASE), lambda: wk.Wallet.from_mnemonic(PHRASE)],
    ids=["Mnemonic", "Wallet"],
)
def test_secret_bearing_types_show_nothing_to_inspectors(make: Callable[[], object]) -> None:
    obj = make()
    if isinstance(obj, wk.Wallet):
        obj.account("eth")  # fill the node cache: derived nodes are secrets too
        obj.account("sol")
    assert _leaks(_views(obj), type(obj).__doc__ or "") == []


@pytest.mark.parametrize(
    "make",
    [lambda: Mnemonic.parse(PHRASE), lambda: wk.Wallet.from_mnemonic(PHRASE)],
    ids=["Mnemonic", "Wallet"],
)
def test_secret_bearing_types_refuse_pickle_copy_and_asdict(make: Callable[[], object]) -> None:
    obj = make()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(obj, protocol)
    for copier in (copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot be pickled or copied"):
            copier(obj)
    with pytest.raises(TypeError):
        dataclasses.asdict(obj)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        vars(obj)
    with pytest.raises(TypeError, match="no state to export"):
        obj.__getstate__()
    with pytest.raises(TypeError):  # inside a container too, as a structured logger would copy it
        copy.deepcopy({"wallet": [obj]})


def test_mnemonic_secrets_are_reached_only_by_name() -> None:
    m = Mnemonic.parse(PHRASE)
    listed = dir(m)
    for name in ("words", "phrase", "entropy", "_words"):
        assert name not in listed
    assert "language" in listed and "word_count" in listed and "to_seed" in listed
    # Asked for by name, they are there: the API is unchanged.
    assert m.phrase == PHRASE and len(m.words) == 12 and m.word_count == 12
    assert m.to_seed() == SEED
    assert not dataclasses.is_dataclass(m)
    with pytest.raises(AttributeError):
        m.language = "french"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del m.language


def test_mnemonic_equality_and_hash_hold_without_showing_words() -> None:
    a, b = Mnemonic.parse(PHRASE), Mnemonic.parse(PHRASE.upper())
    assert a == b and hash(a) == hash(b)
    assert a != Mnemonic.parse("abandon " * 11 + "about")
    assert len({a, b}) == 1
