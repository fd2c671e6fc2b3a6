"""Test helper: every public signing callable of walletkit and chains (used by failure classes 6 and 8)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import chains
import walletkit as wk


def signing_callables() -> list[tuple[str, object]]:
    """Every public function or method whose name says it signs, in walletkit and chains."""
    found = []
    for package in (wk, chains):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                members = [(name, obj)] if inspect.isfunction(obj) else []
                if inspect.isclass(obj):
                    members = [(f"{name}.{k}", v) for k, v in vars(obj).items() if inspect.isfunction(v)]
                if getattr(obj, "__module__", None) != module.__name__:
                    continue
                for qualname, fn in members:
                    last = qualname.rsplit(".", 1)[-1]
                    if "sign" in last and not last.startswith("_"):
                        found.append((f"{module.__name__}.{qualname}", fn))
    return found
