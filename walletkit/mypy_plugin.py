"""A mypy plugin that types accounts made from a chain *name*, as a plugin object types them.

``wallet.account(ETHEREUM)`` is an ``Account[EvmTransaction]`` for every type checker (the
overloads in :mod:`walletkit.wallet`). A name, ``wallet.account("eth")``, is an
``Account[object]``: the core never imports a chain, so no overload can name a chain's
transaction type. This plugin closes that gap for mypy. At type-check time it reads the
``walletkit.chains`` entry points (the registry's own source, so a third-party chain is typed
too), finds the plugin object a literal name or alias stands for, and gives the call the type
of ``wallet.account(<that object>)``. A literal name that no installed chain answers to is
reported as an error. Enable it in the mypy configuration::

    [tool.mypy]
    plugins = ["walletkit.mypy_plugin"]

Typed this way: :meth:`walletkit.Wallet.account`, :meth:`walletkit.Wallet.accounts`,
:meth:`walletkit.Account.from_private_key` and :func:`walletkit.get_chain`, when the chain
argument is a literal string. Anything else keeps the type of the overloads.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from mypy.nodes import MypyFile, Var
from mypy.options import Options
from mypy.plugin import FunctionContext, MethodContext, Plugin
from mypy.subtypes import find_member
from mypy.types import CallableType, Instance, LiteralType, Type, get_proper_type

from walletkit.registry import GROUP

ACCOUNT = "walletkit.account.Account"
_METHODS = ("walletkit.wallet.Wallet.account", "walletkit.wallet.Wallet.accounts", f"{ACCOUNT}.from_private_key")
_GET_CHAIN = "walletkit.registry.get_chain"


def chain_objects() -> tuple[dict[str, str], dict[str, str]]:
    """Return {name or alias, lower case: full name of the plugin object} from the entry points,
    and {entry point: why it failed to load} for those left out.

    >>> chain_objects()[0]["ethereum"]
    'chains.evm.plugin.ETHEREUM'
    """
    found: dict[str, str] = {}
    broken: dict[str, str] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        module, _, attr = ep.value.partition(":")
        try:
            spec = ep.load().spec
            names = (spec.name, *spec.aliases)
        except Exception as e:  # a broken third-party plugin must not stop type checking
            broken[ep.name] = f"{type(e).__name__}: {e}"
            continue
        for name in names:
            found.setdefault(name.lower(), f"{module.strip()}.{attr.strip()}")
    return found, broken


def _literal_str(types: list[Type]) -> str | None:
    """The value of a literal str argument (``"eth"``, or a Final name holding one), else None."""
    if len(types) != 1:
        return None
    typ = get_proper_type(types[0])
    if isinstance(typ, Instance) and typ.last_known_value is not None:
        typ = typ.last_known_value
    if isinstance(typ, LiteralType) and isinstance(typ.value, str):
        return typ.value
    return None


class ChainNamesPlugin(Plugin):
    """Types calls that name a chain by a literal string (see the module docstring)."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._objects, self._broken = chain_objects()

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        """Load the chain plugin modules wherever ``walletkit`` is, so their types are known."""
        if file.fullname != "walletkit":
            return []
        modules = sorted({full.rpartition(".")[0] for full in self._objects.values()})
        return [(10, module, -1) for module in modules]  # 10: mypy.build.PRI_MED

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        """Retype Wallet.account/accounts and Account.from_private_key called with a literal name."""
        return self._method if fullname in _METHODS else None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        """Retype get_chain called with a literal name."""
        return self._get_chain if fullname == _GET_CHAIN else None

    def _plugin_type(self, name: str, ctx: MethodContext | FunctionContext) -> Instance | None:
        full = self._objects.get(name.lower())
        if full is None:
            known = ", ".join(sorted(self._objects))
            failed = "".join(f"; {ep} failed to load ({why})" for ep, why in sorted(self._broken.items()))
            ctx.api.fail(f"no chain named {name!r}; installed: {known}{failed}", ctx.context)
            return None
        symbol = self.lookup_fully_qualified(full)
        node = symbol.node if symbol is not None else None
        typ = get_proper_type(node.type) if isinstance(node, Var) and node.type is not None else None
        return typ if isinstance(typ, Instance) else None

    def _method(self, ctx: MethodContext) -> Type:
        name = _literal_str(ctx.arg_types[0]) if ctx.arg_types else None
        plugin = self._plugin_type(name, ctx) if name is not None else None
        built = find_member("build_transfer", plugin, plugin) if plugin is not None else None
        built = get_proper_type(built) if built is not None else None
        if not isinstance(built, CallableType):
            return ctx.default_return_type
        return _with_transaction(ctx.default_return_type, built.ret_type)

    def _get_chain(self, ctx: FunctionContext) -> Type:
        name = _literal_str(ctx.arg_types[0]) if ctx.arg_types else None
        plugin = self._plugin_type(name, ctx) if name is not None else None
        return plugin if plugin is not None else ctx.default_return_type


def _with_transaction(default: Type, transaction: Type) -> Type:
    """``Account[object]`` -> ``Account[transaction]``, inside a ``list`` too; anything else unchanged."""
    typ = get_proper_type(default)
    if not isinstance(typ, Instance):
        return default
    if typ.type.fullname == ACCOUNT:
        return typ.copy_modified(args=[transaction])
    if typ.type.fullname == "builtins.list" and typ.args:
        return typ.copy_modified(args=[_with_transaction(typ.args[0], transaction)])
    return default


def plugin(version: str) -> type[Plugin]:
    """Return the plugin class (mypy's entry point for ``plugins = ["walletkit.mypy_plugin"]``)."""
    return ChainNamesPlugin
