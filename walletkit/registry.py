"""Find chain plugins through the ``walletkit.chains`` entry-point group.

The core never imports a plugin package; a third party adds a chain by declaring an
entry point that names an object satisfying :class:`walletkit.chain.Chain`.
"""

from __future__ import annotations

import threading
from importlib.metadata import entry_points
from typing import Any, TypeVar, overload

from walletkit.chain import Chain
from walletkit.errors import UnknownChain, WalletKitError

GROUP = "walletkit.chains"

_C = TypeVar("_C", bound=Chain[Any, Any])  # a plugin object passed through get_chain keeps its type

_lock = threading.Lock()
_plugins: dict[str, Chain] | None = None
_aliases: dict[str, str] = {}
_broken: dict[str, str] = {}


def _load() -> dict[str, Chain]:
    global _plugins
    if _plugins is not None:
        return _plugins
    with _lock:
        if _plugins is not None:
            return _plugins
        found: dict[str, Chain] = {}
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            try:
                plugin = ep.load()
            except Exception as e:  # a broken third-party plugin must not hide the others
                _broken[ep.name] = f"chain plugin {ep.name!r} ({ep.value}) failed to load: {type(e).__name__}: {e}"
                continue
            if not isinstance(plugin, Chain):
                _broken[ep.name] = f"entry point {ep.name!r} ({ep.value}) is not a walletkit Chain plugin"
                continue
            found[plugin.spec.name] = plugin
        aliases: dict[str, str] = {}
        for name, plugin in found.items():
            aliases[name] = name
            for alias in plugin.spec.aliases:
                aliases.setdefault(alias.lower(), name)
        _aliases.clear()
        _aliases.update(aliases)
        _plugins = found
        return found


@overload
def get_chain(name: _C) -> _C: ...


@overload
def get_chain(name: str) -> Chain[object, Any]: ...  # a name is known at run time only (ADR 0005)


def get_chain(name: str | Chain) -> Chain:
    """Return the plugin serving ``name`` (a chain name or alias, any case).

    A plugin object (one that satisfies :class:`~walletkit.chain.Chain`) is returned as it is,
    so every function that takes a chain name also takes a plugin, and keeps its types.

    >>> get_chain("ETH").spec.chain_id
    1
    >>> get_chain(get_chain("eth")) is get_chain("eth")
    True

    Raises:
        UnknownChain: no installed plugin serves that name; the message lists those that do.
    """
    if not isinstance(name, str) and isinstance(name, Chain):
        return name
    plugins = _load()
    key = _aliases.get(name.lower()) if isinstance(name, str) else None
    if key is None:
        if isinstance(name, str) and name.lower() in _broken:
            raise WalletKitError(_broken[name.lower()])
        raise UnknownChain(f"no chain named {name!r}; installed: {', '.join(sorted(plugins))}")
    return plugins[key]


def list_chains() -> list[str]:
    """Return the canonical names of every installed chain, sorted.

    >>> {"btc", "eth", "bsc", "tron", "sol"} <= set(list_chains())
    True
    """
    return sorted(_load())


def register(plugin: Chain) -> None:
    """Register a plugin object at run time (tests, notebooks); entry points are the usual way."""
    if not isinstance(plugin, Chain):
        raise WalletKitError(f"{plugin!r} is not a walletkit Chain plugin")
    plugins = _load()
    with _lock:
        plugins[plugin.spec.name] = plugin
        _aliases[plugin.spec.name] = plugin.spec.name
        for alias in plugin.spec.aliases:
            _aliases.setdefault(alias.lower(), plugin.spec.name)
