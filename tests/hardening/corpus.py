"""A deterministic malformed-input corpus for the public API (no randomness: SHA-256 expansion).

Every input is derived from a valid one (an address, a phrase, a key, a PSBT, a typed-data
document, a policy, a transfer...) by mutations chosen from a SHA-256 stream, so the corpus is
the same on every run and machine. Text and bytes get character/byte flips, deletions,
insertions and truncations; JSON-like documents get one value swapped for an odd one (NaN,
infinity, 2^64, a negative, a list, a string...).

Run as a script (``python -O tests/hardening/corpus.py``) it feeds every input to the API and
prints how many were refused with a typed error and how many were accepted; any other
exception ends it with a traceback.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import walletkit as wk  # noqa: E402
from walletkit.errors import WalletKitError  # noqa: E402

VALID = {
    "btc": "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
    "eth": "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
    "tron": "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
    "sol": "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk",
}
PHRASE = "abandon " * 11 + "about"
XPUB = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"
ALPHABET = "0123456789abcdefABCDEFxyzXYZ'/ .h-_\u3000é\x00\u202e日🙂"
ODD: list[Any] = [
    None, True, 0, -1, 1.5, float("nan"), float("inf"), -float("inf"), 2**64, 2**256, -(2**63), "", "x", "0x",
    "0xzz", "-1", "1e999", "NaN", "9" * 90, [], [None], [[1]], {}, {"a": 1}, "\x00", "\u202e",
]  # fmt: skip
FUZZ = ROOT / "fuzz" / "corpus"  # valid documents to start from (committed seeds of the fuzz targets)


def _stream(seed: str) -> Iterator[int]:
    counter = 0
    while True:
        yield from hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1


def mutate(text: str, seed: str) -> str:
    """Return a deterministic mutation of ``text``: flips, deletions, insertions, truncation."""
    bytes_ = _stream(seed)
    chars = list(text)
    for _ in range(1 + next(bytes_) % 4):
        op, pos = next(bytes_) % 5, next(bytes_) % (len(chars) + 1)
        if op == 0 and chars and pos < len(chars):
            chars[pos] = ALPHABET[next(bytes_) % len(ALPHABET)]
        elif op == 1 and chars and pos < len(chars):
            del chars[pos]
        elif op == 2:
            chars.insert(pos, ALPHABET[next(bytes_) % len(ALPHABET)])
        elif op == 3:
            chars = chars[:pos]
        elif chars and pos < len(chars):
            chars[pos] = chars[pos].swapcase()
    return "".join(chars)


def mutate_bytes(data: bytes, seed: str) -> bytes:
    """Return a deterministic mutation of ``data``: byte flips, deletions, insertions, truncation."""
    stream = _stream(seed)
    out = bytearray(data)
    for _ in range(1 + next(stream) % 4):
        op = next(stream) % 4
        pos = int.from_bytes(bytes([next(stream), next(stream)]), "big") % (len(out) + 1)
        if op == 0 and pos < len(out):
            out[pos] = next(stream)
        elif op == 1 and pos < len(out):
            del out[pos]
        elif op == 2:
            out[pos:pos] = bytes([next(stream)])
        else:
            out = out[:pos]
    return bytes(out)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, (*prefix, i))


def mutate_document(doc: Any, seed: str) -> Any:
    """Return a copy of a JSON-like document with one value (picked by ``seed``) swapped for an odd one."""
    stream = _stream(seed)
    paths = list(_paths(doc))
    path = paths[(next(stream) << 8 | next(stream)) % len(paths)]
    value = ODD[next(stream) % len(ODD)]
    if not path:
        return value
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _seed(target: str, name: str) -> bytes:
    return (FUZZ / target / name).read_bytes()


def _keystore_cost_ok(text: str) -> bool:
    """Skip documents whose (mutated) KDF parameters would make one case cost more than scrypt N=2^12."""
    try:
        params = json.loads(text)["crypto"]["kdfparams"]
        return int(params.get("n", 0)) * int(params.get("r", 1)) <= 1 << 12 and int(params.get("c", 0)) <= 1 << 12
    except Exception:
        return True  # malformed: goes to the parser as it is


Case = tuple[str, Callable[[], object]]


def _account_families(i: int, keys: dict[str, str]) -> Iterator[Case]:
    for chain, address in VALID.items():
        bad = mutate(address, f"{chain}{i}")
        yield f"address-{chain}", lambda c=chain, b=bad: wk.validate_address(c, b)
        yield f"verify-{chain}", lambda c=chain, b=bad: wk.verify_message(c, VALID[c], "m", b)
        key = mutate(keys[chain], f"key-{chain}{i}")
        yield f"private-key-{chain}", lambda c=chain, k=key: wk.Account.from_private_key(c, k)
    bad_phrase = mutate(PHRASE, f"phrase{i}")
    yield "mnemonic", lambda b=bad_phrase: wk.Wallet.from_mnemonic(b)
    bad_path, bad_xpub = mutate("m/44'/60'/0'/0/7", f"path{i}"), mutate(XPUB, f"xpub{i}")
    yield "path", lambda b=bad_path: wk.DerivationPath.parse(b)
    yield "xpub", lambda b=bad_xpub: wk.Wallet.from_xpub(b, "btc")
    amount = mutate("12345.678901", f"amount{i}")
    yield "parse-units", lambda a=amount: (wk.parse_units(a, "eth"), wk.parse_units(a, 8))


def _chain_families(i: int, docs: dict[str, Any]) -> Iterator[Case]:
    from chains.bitcoin.psbt import Psbt
    from chains.bitcoin.tx import Transaction
    from walletkit.keystore import v3
    from walletkit.signer import Policy

    raw_psbt = mutate_bytes(docs["psbt"], f"psbt{i}")
    yield "psbt", lambda b=raw_psbt: Psbt.parse(b)
    text_psbt = mutate(base64.b64encode(docs["psbt"]).decode(), f"psbt64{i}")
    yield "psbt-base64", lambda t=text_psbt: Psbt.from_base64(t)
    raw_tx = mutate_bytes(docs["tx"], f"tx{i}")
    yield "bitcoin-tx", lambda b=raw_tx: Transaction.parse(b)
    typed = mutate_document(docs["typed"], f"typed{i}")
    yield "eip712", lambda d=typed: docs["eth"].plugin.sign_typed_data(docs["eth"], d)
    policy = mutate_document(docs["policy"], f"policy{i}")
    yield "policy", lambda p=policy: Policy.from_dict(p)
    policy_text = mutate(docs["policy_text"], f"policy-text{i}")
    yield "policy-toml", lambda t=policy_text: Policy.from_toml(t)
    chain = ("btc", "eth", "tron", "sol")[i % 4]
    transfer = mutate_document(docs[f"transfer-{chain}"], f"transfer{i}")
    account = docs[f"account-{chain}"]
    yield f"transfer-{chain}", lambda a=account, t=transfer: _transfer(a, t)
    if i % 4 == 0:
        keyfile = (
            mutate(docs["v3"], f"v3-{i}") if i % 8 else json.dumps(mutate_document(json.loads(docs["v3"]), f"v3d{i}"))
        )
        if _keystore_cost_ok(keyfile):
            yield "keystore-v3", lambda k=keyfile: v3.decrypt(k, "pw", allow_weak=True)


def _transfer(account: wk.Account, spec: Any) -> object:
    """Build and sign from a transfer document the way ``walletkit sign --tx`` does (walletkit/cli/tx.py)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("fields"), dict):
        return None  # the CLI refuses such a file before the library sees it
    to = spec.get("to", VALID[account.chain])
    return account.sign(account.transfer(to, spec.get("amount", 1000), spec.get("token"), **spec["fields"]))


def _documents() -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    wallet = wk.Wallet.from_mnemonic(PHRASE)
    docs: dict[str, Any] = {
        "psbt": _seed("psbt", "seed-psbt.bin"),
        "tx": _seed("bitcoin_transaction", "seed-segwit"),
        "typed": json.loads(_seed("eip712", "seed-mail")),
        "policy_text": _seed("policy_file", "seed-docs").decode(),
        "v3": _seed("keystore_v3", "seed-scrypt").decode(),
    }
    docs["policy"] = tomllib.loads(docs["policy_text"])
    docs["eth"] = wk.Account.from_private_key("eth", "0x" + "4c" * 32)
    for chain, seed in (("btc", "seed-btc"), ("eth", "seed-eth-1559"), ("tron", "seed-tron"), ("sol", "seed-sol")):
        spec = json.loads(_seed("transfer_json", seed))
        spec["to"] = wallet.account(chain, index=1, network="regtest" if chain == "btc" else None).address
        docs[f"transfer-{chain}"] = spec
        docs[f"account-{chain}"] = wallet.account(chain, network="regtest" if chain == "btc" else None)
    return docs


def cases() -> Iterator[Case]:
    """Yield (family, call) pairs: 24,000+ malformed inputs to public entry points."""
    wallet = wk.Wallet.from_mnemonic(PHRASE)
    keys = {chain: wallet.account(chain).export_private_key() for chain in VALID}
    docs = _documents()
    for i in range(1200):
        yield from _account_families(i, keys)
        yield from _chain_families(i, docs)


def run() -> tuple[int, int, dict[str, str]]:
    """Run every case; return (refused, accepted, {family: first failure}) for anything but WalletKitError."""
    refused = accepted = 0
    failures: dict[str, str] = {}
    for family, call in cases():
        try:
            call()
            accepted += 1
        except WalletKitError:
            refused += 1
        except Exception as e:  # what this corpus exists to find: the first one of each family is kept
            frame = e.__traceback__
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            where = f"{Path(frame.tb_frame.f_code.co_filename).name}:{frame.tb_lineno}" if frame else "?"
            failures.setdefault(family, f"{type(e).__name__}: {str(e)[:120]} at {where}")
    return refused, accepted, failures


def main() -> None:
    """Print refused and accepted counts, then one line per family that raised anything else."""
    refused, accepted, failures = run()
    print(refused, accepted)
    for family, failure in sorted(failures.items()):
        print(f"{family}: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
