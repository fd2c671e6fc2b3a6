"""Amounts: integers of base units inside, decimal text only at the edges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from walletkit.errors import InvalidAmount, UnknownChain


def check_amount(amount: object, what: str = "amount") -> int:
    """Return ``amount`` if it is a non-negative int of base units; refuse floats and the rest.

    >>> check_amount(10)
    10
    >>> check_amount(1.5)
    Traceback (most recent call last):
    ...
    walletkit.errors.InvalidAmount: amount must be an integer of base units, got float 1.5; ...
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        hint = ""
        if isinstance(amount, (float, Decimal, str)):
            hint = f'; use wk.parse_units("{amount}", ...) for decimal text'

        raise InvalidAmount(f"{what} must be an integer of base units, got {type(amount).__name__} {amount!r}{hint}")
    if amount < 0:
        raise InvalidAmount(f"{what} must not be negative, got {amount}")
    return amount


def _decimals(unit: str | int) -> int:
    if isinstance(unit, int) and not isinstance(unit, bool):
        if not 0 <= unit <= 77:
            raise InvalidAmount(f"decimals must be in 0..77, got {unit}")
        return unit
    if isinstance(unit, str):
        from walletkit.registry import get_chain, list_chains

        try:
            return get_chain(unit).spec.decimals
        except UnknownChain:
            known = _DENOMINATIONS.get(unit.lower())
            hint = f"; {unit} is {known[0]} decimals of {known[1]}: pass {known[0]}" if known else ""
            raise UnknownChain(
                f"a unit is a chain name ({', '.join(list_chains())}) or a number of decimals (an int), "
                f"got {unit!r}{hint}"
            ) from None
    raise InvalidAmount(f"a unit is a chain name or a number of decimals (an int), got {type(unit).__name__}")


# Denominations people reach for as units: what parse_units("30", 9) means by "gwei", for the hint.
_DENOMINATIONS: dict[str, tuple[int, str]] = {
    "wei": (0, "ether"),
    "kwei": (3, "ether"),
    "mwei": (6, "ether"),
    "gwei": (9, "ether"),
    "szabo": (12, "ether"),
    "finney": (15, "ether"),
    "ether": (18, "ether"),
    "sat": (0, "bitcoin"),
    "sats": (0, "bitcoin"),
    "satoshi": (0, "bitcoin"),
    "sun": (0, "TRX"),
    "lamport": (0, "SOL"),
    "lamports": (0, "SOL"),
}


def parse_units(text: str | Decimal | int, unit: str | int) -> int:
    """Convert decimal text in whole coins to an integer of base units, exactly.

    ``unit`` is a chain name or alias (its decimals are used: 18 for ``eth``, 8 for ``btc``)
    or a number of decimals (an int in 0..77; 9 for gwei).

    >>> parse_units("1.5", "eth")
    1500000000000000000
    >>> parse_units("0.00000001", 8)
    1
    >>> parse_units("30", 9)  # 30 gwei in wei
    30000000000
    >>> parse_units("30", "gwei")
    Traceback (most recent call last):
    ...
    walletkit.errors.UnknownChain: a unit is a chain name (...) or a number of decimals (an int), got 'gwei'; gwei is 9 decimals of ether: pass 9

    Raises:
        InvalidAmount: a float, bad text, a negative amount, more digits than the unit has, or
            decimals outside 0..77.
        UnknownChain: ``unit`` is text that names no installed chain (a denomination such as
            ``"gwei"`` is not a unit here: pass its decimals).
    """
    decimals = _decimals(unit)
    if isinstance(text, float) or isinstance(text, bool):
        raise InvalidAmount(f'pass the amount as text such as "{text}", not a {type(text).__name__} (floats round)')
    try:
        value = Decimal(text.strip() if isinstance(text, str) else text)
    except (InvalidOperation, TypeError) as e:
        raise InvalidAmount(f'expected a decimal number such as "1.25", got {text!r}') from e
    if not value.is_finite() or value < 0:
        raise InvalidAmount(f"expected a finite, non-negative amount, got {text!r}")
    # Exact integer arithmetic on the digits: no Decimal context, so nothing can round
    # (a 200-digit precision once turned "0." + "9" * 205 BTC into exactly 1 BTC).
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # only NaN and infinities have a letter here; refused above
        raise InvalidAmount(f"expected a finite, non-negative amount, got {text!r}")
    significant = len(digits)
    while significant > 1 and digits[significant - 1] == 0:  # trailing zeros carry no precision
        significant -= 1
    exponent += len(digits) - significant
    if not any(digits[:significant]):
        return 0
    shown = str(text) if len(str(text)) <= 40 else str(text)[:37] + "..."
    if exponent + decimals < 0:
        raise InvalidAmount(
            f"{shown!r} has more than {decimals} decimal places; the unit has {decimals}, and amounts are never rounded"
        )
    if exponent + significant > 80:  # found by fuzzing: 1e40688682 would not fit any chain
        raise InvalidAmount(f"{shown!r} is out of range for an amount (below 10^80 of whole coins)")
    scale: int = 10 ** (exponent + decimals)  # exponent + decimals >= 0 here
    return int("".join(map(str, digits[:significant]))) * scale


def format_units(amount: int, unit: str | int) -> str:
    """Format an integer of base units as decimal text in whole coins, exactly.

    >>> format_units(1500000000000000000, "eth")
    '1.5'
    >>> format_units(100000000, 8)
    '1'

    Raises:
        InvalidAmount: ``amount`` is not a non-negative int, or decimals outside 0..77.
        UnknownChain: ``unit`` is text that names no installed chain (pass decimals instead).
    """
    check_amount(amount)
    decimals = _decimals(unit)
    whole, frac = divmod(amount, 10**decimals)
    if not frac:
        return str(whole)
    return f"{whole}.{str(frac).rjust(decimals, '0').rstrip('0')}"


def integer_from_json(value: object) -> int | None:
    """Return an integer as JSON documents write one: an int (not a bool), or its decimal or 0x-hex text.

    Anything else, floats included, gives None: the caller names the field in its own error.

    >>> integer_from_json("0x2b6653dc"), integer_from_json("-5"), integer_from_json(1.0)
    (728126428, -5, None)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16) if value.lower().startswith("0x") else int(value, 10)
        except ValueError:
            return None
    return None
