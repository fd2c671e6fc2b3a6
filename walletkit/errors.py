"""The walletkit error tree.

Every error walletkit raises on purpose is a :class:`WalletKitError`. Errors about
bad input also inherit :class:`ValueError`, so an idiomatic ``except ValueError``
still works. Messages say what was expected and what came; they never contain a
secret (mnemonic, seed, private key, password).
"""

from __future__ import annotations

from collections.abc import Sequence


class WalletKitError(Exception):
    """Root of every error walletkit raises on purpose."""


# --- bad input -------------------------------------------------------------------


class InvalidInput(WalletKitError, ValueError):
    """Input that cannot be used: wrong type, form, length or value."""


class InvalidMnemonic(InvalidInput):
    """A phrase that is not a valid BIP39 mnemonic."""


class UnknownWord(InvalidMnemonic):
    """A word of a phrase is not in the word list.

    Carries the 1-based ``position`` and the ``language``; never the word, the rest of
    the phrase, or the closest valid words (in a log, those give the real word away:
    ``walletkit.bip39.close_words`` is there for an interactive prompt).
    """

    def __init__(self, position: int, language: str) -> None:
        self.position = position
        self.language = language
        super().__init__(f"word {position} is not in the BIP39 {language} word list")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.position, self.language))


class AmbiguousMnemonic(InvalidMnemonic):
    """A phrase that is valid BIP39 in more than one language, each reading other entropy.

    Carries the ``languages``; pass one of them as ``language=`` to say which is meant.
    """

    def __init__(self, languages: Sequence[str]) -> None:
        self.languages = tuple(languages)
        names = ", ".join(self.languages[:-1]) + " and " + self.languages[-1]
        super().__init__(
            f"this phrase is a valid BIP39 mnemonic in {names}, each giving other entropy; "
            f"pass language= (one of {', '.join(self.languages)}) to say which is meant"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.languages,))


class ChecksumMismatch(InvalidMnemonic):
    """Every word is known, but the BIP39 checksum bits do not match."""


class InvalidEntropy(InvalidInput):
    """Entropy of a length BIP39 does not allow."""


class InvalidPath(InvalidInput):
    """A derivation path that cannot be parsed or used."""


class InvalidKey(InvalidInput):
    """A private or public key that is not a valid key for its curve."""


class InvalidExtendedKey(InvalidKey):
    """An xprv/xpub (or SLIP-132 variant) that does not decode to a valid key."""


class InvalidAddress(InvalidInput):
    """An address that is not valid for the chain."""


class WrongNetwork(InvalidAddress):
    """An address, key or transaction of another network than the one expected."""


class InvalidAmount(InvalidInput):
    """An amount that is not a non-negative integer of base units."""


class InvalidTransaction(InvalidInput):
    """Transaction fields that do not make a valid transaction."""


class InvalidMessage(InvalidInput):
    """A message or signature that cannot be used."""


class InvalidSignature(InvalidMessage):
    """A signature that is malformed (not merely one that fails to verify)."""


class ChainMismatch(InvalidInput):
    """A transaction, node or domain of another chain (id) than the account's."""


class MissingSecret(InvalidInput):
    """A secret (password, mnemonic, passphrase, key) was needed and none, or an empty one, was given.

    Raised instead of going on with an empty value: an empty keystore password, or an unset
    passphrase variable read as "" (another wallet's addresses). The message names the
    source that was asked (an environment variable, a file, standard input), never a value.
    """


# --- not possible ------------------------------------------------------------------


class UnknownChain(WalletKitError, LookupError):
    """No installed plugin serves this chain name."""


class UnsupportedOperation(WalletKitError):
    """The chain (or account kind) cannot do this."""


class WatchOnlyAccount(UnsupportedOperation):
    """A signing operation was asked of an account that holds no private key."""


class InsufficientFunds(WalletKitError):
    """Not enough funds for the amount and fee; says needed and available."""

    def __init__(self, needed: int, available: int, unit: str) -> None:
        self.needed = needed
        self.available = available
        super().__init__(f"insufficient funds: need {needed} {unit}, have {available} {unit}")


class FeeTooHigh(WalletKitError):
    """A fee above the configured cap; nothing was signed."""


class DustOutput(InvalidTransaction):
    """An output below the dust threshold of its kind."""


# --- network and engines -------------------------------------------------------------


class NetworkError(WalletKitError):
    """A node or API could not be reached or answered with an error."""


class BroadcastRejected(NetworkError):
    """A node refused a transaction; the message carries its reason."""


class EngineError(WalletKitError):
    """A local test engine (anvil, LiteSVM, libbitcoinkernel, node) failed to start or run."""


class MissingExtra(WalletKitError, ImportError):
    """An optional part of walletkit was used without the extra that installs it.

    ``extra`` names the extra (``engines``, ``postgres``...), ``module`` the missing import;
    the message gives the ``pip install`` command to run.
    """

    def __init__(self, message: str, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(message, name=module)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.extra, self.module))


# --- storage and policy ----------------------------------------------------------------


class KeystoreError(WalletKitError):
    """A keystore could not be read or written."""


class WrongPassword(KeystoreError):
    """The password does not open the keystore."""


class KeystoreCorrupted(KeystoreError):
    """The keystore file is truncated, tampered with or malformed."""


class WeakKdfParameters(KeystoreError):
    """KDF parameters below the floor, refused unless the caller opts in."""


class KeystoreConflict(KeystoreError):
    """The keystore file changed on disk since this handle read it; nothing was written.

    Another handle (another process, or another object in this one) saved in between.
    Open the keystore again and redo the change; :meth:`Keystore.add_account` and
    :meth:`Keystore.change_password` do this themselves under the file lock.
    """


class PolicyViolation(WalletKitError):
    """A signing request broke a policy rule; ``rule`` names it."""

    def __init__(self, rule: str, detail: str) -> None:
        self.rule = rule
        super().__init__(f"policy rule {rule!r} refused the request: {detail}")


class IdempotencyConflict(WalletKitError):
    """An idempotency key already used for a different request."""


class AccountFrozen(PolicyViolation):
    """Signing is frozen for this account (or for every account) until a quorum of approvers lifts it.

    ``scope`` is ``"<chain>:<address>"`` or ``"*"``; ``reason`` says what froze it.
    """

    def __init__(self, scope: str, reason: str) -> None:
        self.scope = scope
        self.reason = reason
        super().__init__("frozen", f"{scope} is frozen ({reason}); a quorum of approvers must lift the freeze")


class ApprovalRefused(WalletKitError):
    """An approval was not accepted; ``reason`` is one of ``expired``, ``replayed``, ``self_approval``,
    ``wrong_request``, ``unknown_approver``, ``not_an_approver``, ``bad_signature``, ``bad_code``,
    ``not_pending``."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(f"approval refused ({reason}): {detail}")


class ReorgTooDeep(WalletKitError):
    """The node's chain forks below every block hash the watcher kept: it cannot tell which of its
    events were reverted. Keep more blocks (``Watcher(keep_blocks=...)``) or start from a known height."""


# --- hardware security modules (walletkit.keys.pkcs11) --------------------------------------


class HsmError(WalletKitError):
    """A hardware security module (a PKCS#11 token) could not be used as asked.

    Messages name the library, the token label and the key label, never the PIN.
    """


class HsmLibraryNotFound(HsmError):
    """The PKCS#11 library (the vendor's shared object, ``.so``) could not be found or loaded."""


class HsmTokenNotFound(HsmError, LookupError):
    """No token with the label asked for is present; the message lists the labels that are."""


class HsmLoginFailed(HsmError):
    """The token refused the PIN: wrong, locked, expired, or of a length it does not take."""


class HsmKeyNotFound(HsmError, LookupError):
    """No key pair with this label on the token (or its public or private half is missing)."""


class HsmKeyExists(HsmError):
    """A key with this label is already on the token: generate never adds a second one."""


class HsmSignatureInvalid(HsmError):
    """The token returned a signature that does not verify under the key's public key; none was returned."""
