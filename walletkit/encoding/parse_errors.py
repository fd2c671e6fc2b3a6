"""Say what is wrong with a malformed document (a keystore, a keyfile), not how Python noticed it.

A parser that catches ``KeyError`` or ``TypeError`` used to report just that name
("malformed v3 keyfile: KeyError"). :func:`reason` turns the caught exception into what
the document lacks or holds wrongly: the missing field, the JSON position, the bad hex.
It never quotes the document (a decrypted plaintext may be a secret): only field names,
line and column numbers and character positions.
"""

from __future__ import annotations

import json


def reason(error: BaseException) -> str:
    """Return what a parsing error says about the document, in words, with no document text.

    >>> reason(KeyError("mac"))
    "the field 'mac' is missing"
    >>> try:
    ...     json.loads('{"a": }')
    ... except ValueError as e:
    ...     print(reason(e))
    not JSON: Expecting value at line 1, column 7
    >>> try:
    ...     bytes.fromhex("zz")
    ... except ValueError as e:
    ...     print(reason(e))
    a field that should be hex is not (a non-hex character at position 0)
    """
    if isinstance(error, json.JSONDecodeError):
        return f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    if isinstance(error, KeyError):
        field = error.args[0] if error.args else "?"
        return f"the field {str(field)!r} is missing"
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start})"
    if isinstance(error, RecursionError):
        return "its JSON is nested too deeply"
    if isinstance(error, ValueError) and "fromhex()" in str(error):
        position = str(error).rsplit("position ", 1)[-1] if "position " in str(error) else "?"
        return f"a field that should be hex is not (a non-hex character at position {position})"
    if isinstance(error, (TypeError, AttributeError)):
        return "a field holds the wrong type of value (an object, text or a number where another was expected)"
    return "a field holds a value out of its range"
