"""One regression test per known failure class of wallet libraries (tests/hardening/FAILURE-CLASSES.md).

Each test is named ``test_fc_<nn>_<short>`` and its docstring cites the row's source. A
meta-test fails if a row of the table has no test.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import threading
import unicodedata
import zipfile
from pathlib import Path

import pytest

import walletkit as wk
from walletkit import bip39
from walletkit.crypto import ed25519, secp256k1

ROOT = Path(__file__).parent.parent.parent
SOURCES = [p for pkg in ("walletkit", "chains") for p in (ROOT / pkg).rglob("*.py")]
ABANDON = "abandon " * 11 + "about"
VECTORS = ROOT / "tests" / "vectors"  # copies with provenance, owned by the core's tests


def test_every_row_has_a_test() -> None:
    """Each row of the table has a test_fc_<nn>_ test whose docstring cites the row's source."""
    table = (Path(__file__).parent / "FAILURE-CLASSES.md").read_text()
    rows = {int(m[0]): m[1] for m in re.findall(r"^\| (\d+) \| [^|]+ \| ([^|]+) \|", table, re.M)}
    assert sorted(rows) == list(range(1, 36))
    tree = ast.parse(Path(__file__).read_text())
    tests = {
        int(node.name[8:10]): ast.get_docstring(node) or ""
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and re.match(r"test_fc_\d\d_", node.name)
    }
    assert sorted(set(rows) - set(tests)) == []
    citation = re.compile(
        r"CVE-\d{4}-\d+|RUSTSEC-\d{4}-\d+|[\w.-]+/[\w.-]+#\d+|#\d+|eprint \d+/\d+|\w+\.(?:py|rs|h|json|go)\b"
    )
    uncited = []
    for number, source in rows.items():
        # The row's identifiers (CVE, issue, file) when it has any, else its distinctive words.
        marks = set(citation.findall(source)) or {w for w in re.findall(r"[A-Za-z][\w-]{4,}", source)}
        if not any(mark in tests[number] for mark in marks):
            uncited.append(number)
    assert uncited == []


# --- randomness -------------------------------------------------------------------------------


class _Spy:
    """Counts the bytes drawn from the OS CSPRNG (os.urandom and secrets.token_bytes) while active."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.draws: list[int] = []
        real_urandom, real_token = os.urandom, secrets.token_bytes
        monkeypatch.setattr(os, "urandom", lambda n: self.draws.append(n) or real_urandom(n))
        monkeypatch.setattr(secrets, "token_bytes", lambda n=None: self.draws.append(n or 32) or real_token(n))

    def take(self) -> list[int]:
        drawn, self.draws[:] = list(self.draws), []
        return drawn


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_fc_01_time_seeded_prng(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Milk Sad, CVE-2023-39910: `bx seed` used MT19937 seeded with 32-bit time (milksad.info)."""
    from walletkit.keystore import KdfParams, Keystore, v3

    spy = _Spy(monkeypatch)
    for words in bip39.WORD_COUNTS:  # every phrase draws its full entropy from the OS
        bip39.generate_mnemonic(words)
        assert spy.take() == [words * 4 // 3]
    secret = bytes(31) + b"\x01"
    v3.encrypt(secret, "pw", n=16, allow_weak=True)  # a 32-byte salt and a 16-byte IV
    assert {16, 32} <= set(spy.take())
    Keystore.create(tmp_path / "k", "pw", mnemonic=ABANDON, kdf=KdfParams.scrypt(n=16, r=1), allow_weak=True)
    assert sum(1 for n in spy.take() if n >= 12) >= 2  # salt and GCM nonce
    secp256k1.sign_schnorr(secret, bytes(32))  # BIP340 auxiliary randomness
    assert spy.take() == [32]
    # The phrase is a function of the OS bytes alone: fixed bytes give the phrase of those bytes.
    monkeypatch.setattr(secrets, "token_bytes", lambda n: bytes(range(n)))
    assert bip39.generate_mnemonic(24) == bip39.entropy_to_mnemonic(bytes(range(32)))
    # No module of the library imports `random` (ruff's banned-api rule in pyproject says the same).
    assert [str(p) for p in SOURCES if "random" in _imports(p)] == []


def test_fc_02_non_crypto_prng_in_a_build(tmp_path: Path) -> None:
    """Trust Wallet extension, CVE-2023-31290: MT19937 with one 32-bit seed (community.trustwallet.com postmortem).

    The spy test runs on the built wheel (walletkit builds one pure-Python wheel, py3-none-any, for
    every platform), and 10^5 phrases generated from the wheel are all distinct.
    """
    wheel = _build_wheel(tmp_path)
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import os, secrets, walletkit\n"
        f"assert walletkit.__file__.startswith({str(site)!r}), walletkit.__file__\n"
        "from walletkit import bip39\n"
        "draws = []\n"
        "real = secrets.token_bytes\n"
        "secrets.token_bytes = lambda n: draws.append(n) or real(n)\n"
        "for words in bip39.WORD_COUNTS:\n"
        "    bip39.generate_mnemonic(words)\n"
        "assert draws == [w * 4 // 3 for w in bip39.WORD_COUNTS], draws\n"
        "secrets.token_bytes = real\n"
        "phrases = {bip39.generate_mnemonic(12) for _ in range(100_000)}\n"
        "print(len(phrases))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["100000"]


def _build_wheel(tmp_path: Path) -> Path:
    """Build the distribution's wheel with the project's own build backend (hatchling)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"building the wheel needs hatchling in the environment: {out.stderr[-1500:]}"
    return next(tmp_path.glob("walletkit_multichain-*.whl"))


def test_fc_03_test_only_prng_shipped(tmp_path: Path) -> None:
    """Trust Wallet iOS 2018, CVE-2024-23660: trezor-crypto's test PRNG shipped (milksad research-update-5).

    The wheel that ships is searched, not only the source tree: no `random` import, no seeded or
    test PRNG symbol, in any file of it.
    """
    pattern = re.compile(
        rb"\b(random\.(random|seed|randint|randrange|getrandbits|choice)|Random\(|mt19937|numpy\.random|"
        rb"insecure_random|random_buffer|DEBUG_RNG|deterministic_rng)\b",
        re.I,
    )
    assert [str(p) for p in SOURCES if pattern.search(p.read_bytes())] == []
    wheel = zipfile.ZipFile(_build_wheel(tmp_path))
    shipped = [n for n in wheel.namelist() if n.endswith(".py")]
    assert any(n.startswith("walletkit/") for n in shipped) and any(n.startswith("chains/") for n in shipped)
    assert [n for n in wheel.namelist() if pattern.search(wheel.read(n))] == []
    offenders = []
    for name in shipped:
        tree = ast.parse(wheel.read(name))
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        if "random" in imported:
            offenders.append(name)
    assert offenders == []


def test_fc_04_low_entropy_seed() -> None:
    """Profanity vanity keys (Wintermute, $160M) and bip3x MT19937 (Safeheron write-up; milksad research-update-4)."""
    for short in (bytes(8), bytes(15), bytes(17)):
        with pytest.raises(wk.errors.InvalidEntropy):
            bip39.entropy_to_mnemonic(short)
    with pytest.raises(wk.errors.InvalidKey):
        wk.Wallet.from_seed(bytes(15))
    public_names = {n.lower() for n in dir(wk) + dir(wk.Wallet) + dir(wk.Account)}
    assert not any(w in n for n in public_names for w in ("vanity", "from_int", "brain", "from_password"))


# --- signatures -----------------------------------------------------------------------------------

SIGNATURES = 10_000  # per signing path, as issue 9 asks


def _der(signature: bytes) -> tuple[int, int]:
    """Read (r, s) from a strict DER signature (BIP66), checked here independently of the library."""
    assert signature[0] == 0x30 and signature[1] == len(signature) - 2
    r_len = signature[3]
    r, rest = signature[4 : 4 + r_len], signature[4 + r_len :]
    assert signature[2] == 0x02 and rest[0] == 0x02 and rest[1] == len(rest) - 2
    s = rest[2:]
    for part in (r, s):
        assert part[0] < 0x80 and not (part[0] == 0 and len(part) > 1 and part[1] < 0x80)  # minimal, positive
    return int.from_bytes(r, "big"), int.from_bytes(s, "big")


@functools.lru_cache(maxsize=1)
def _chain_signatures() -> dict[str, list[tuple[int, int]]]:
    """(r, s) of 10^4 distinct transactions per chain, signed through Account.sign by one key each.

    Each chain's wire format is read here by hand (RLP via the `rlp` package, TRON's protobuf
    tail, Bitcoin's witness DER), not by the library.
    """
    import rlp

    from chains.bitcoin.tx import Transaction

    out: dict[str, list[tuple[int, int]]] = {}
    eth = wk.Account.from_private_key("eth", secrets.token_bytes(32))
    to = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    fees = {"nonce": 0, "gas": 21000, "max_fee_per_gas": 2, "max_priority_fee_per_gas": 1}
    sigs = []
    for i in range(SIGNATURES):
        raw = eth.sign(eth.transfer(to, i + 1, **fees)).raw
        assert raw[0] == 2
        fields = rlp.decode(raw[1:])
        sigs.append((int.from_bytes(fields[-2], "big"), int.from_bytes(fields[-1], "big")))
    out["eth"] = sigs
    tron = wk.Account.from_private_key("tron", secrets.token_bytes(32))
    header = {"ref_block_bytes": "0001", "ref_block_hash": "00" * 8, "timestamp": 1_700_000_000_000}
    sigs = []
    for i in range(SIGNATURES):
        raw = tron.sign(tron.transfer("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", i + 1, **header)).raw
        assert raw[-67:-65] == b"\x12\x41"  # field 2 (signature), 65 bytes: r || s || v
        sigs.append((int.from_bytes(raw[-65:-33], "big"), int.from_bytes(raw[-33:-1], "big")))
    out["tron"] = sigs
    btc = wk.Account.from_private_key("btc", secrets.token_bytes(32), network="regtest")
    utxos = [{"txid": "ab" * 32, "vout": 0, "value": 10**9}]
    sigs = []
    for i in range(SIGNATURES):
        raw = btc.sign(btc.transfer(btc.address, 10_000 + i, utxos=utxos, fee_rate=1)).raw
        witness = Transaction.parse(raw).inputs[0].witness
        assert witness[0][-1] == 0x01  # SIGHASH_ALL
        sigs.append(_der(witness[0][:-1]))
    out["btc"] = sigs
    return out


def test_fc_05_ecdsa_nonce_reuse() -> None:
    """Android SecureRandom 2013: colliding R values (The Register 2013-08-12; bitcoin.org alert)."""
    import ecdsa  # an independent RFC 6979 implementation

    key = secrets.token_bytes(31).rjust(32, b"\x01")
    digest = hashlib.sha256(b"Satoshi Nakamoto").digest()
    reference = ecdsa.SigningKey.from_string(key, curve=ecdsa.SECP256k1).sign_digest_deterministic(
        digest, hashfunc=hashlib.sha256, sigencode=ecdsa.util.sigencode_strings
    )
    r, s, _ = secp256k1.sign_recoverable(key, digest)
    ref_r, ref_s = int.from_bytes(reference[0], "big"), int.from_bytes(reference[1], "big")
    assert (r, s) == (ref_r, min(ref_s, secp256k1.N - ref_s))  # RFC 6979, then low S
    assert _der(secp256k1.sign_der(key, digest)) == (r, s)
    assert secp256k1.sign_recoverable(key, digest) == secp256k1.sign_recoverable(key, digest)
    rs = {secp256k1.sign_recoverable(key, i.to_bytes(32, "big"))[0] for i in range(100_000)}
    assert len(rs) == 100_000
    # The chains' own signing paths: 10^4 distinct transactions each, 10^4 distinct r ...
    for chain, sigs in _chain_signatures().items():
        assert len({r for r, _ in sigs}) == SIGNATURES, chain
    # ... and signing the same transaction again gives the same bytes (RFC 6979, nothing random).
    eth = wk.Account.from_private_key("eth", key)
    tx = eth.transfer("0x9858EfFD232B4033E47d90003D41EC34EcaEda94", 5, nonce=1, gas=21000, gas_price=1)
    tron = wk.Account.from_private_key("tron", key)
    ttx = tron.transfer(
        "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5, ref_block_bytes="0001", ref_block_hash="00" * 8, timestamp=1
    )
    btc = wk.Account.from_private_key("btc", key, network="regtest")
    btx = btc.transfer(btc.address, 10_000, utxos=[{"txid": "cd" * 32, "vout": 1, "value": 10**6}], fee_rate=2)
    for account, unsigned in ((eth, tx), (tron, ttx), (btc, btx)):
        assert len({account.sign(unsigned).raw for _ in range(50)}) == 1, account.chain
        assert len({account.sign_message("same message") for _ in range(50)}) == 1, account.chain


# Parameters that would let a caller choose or bias the ECDSA/Schnorr nonce.
NONCE_PARAMETERS = {"k", "nonce", "custom_nonce", "ndata", "noncefp", "nonce_function", "extra_entropy", "r"}
# Named exceptions, each with the reason it is not a signature nonce.
NOT_A_SIGNATURE_NONCE = {
    "chains.evm.transaction.sign_authorization": "nonce is the EIP-7702 authority's account nonce, signed as data",
    "chains.evm.transaction.EvmTransaction.encode_signed": "assembles a signature already made (r, s); signs nothing",
}


def _signing_callables() -> list[tuple[str, object]]:
    """Every public function or method whose name says it signs, in walletkit and chains."""
    import importlib
    import pkgutil

    import chains

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


def test_fc_06_biased_nonces() -> None:
    """Biased Nonce Sense (Breitner & Heninger, FC 2019, eprint 2019/023): no caller-supplied nonce anywhere."""
    signers = _signing_callables()
    assert len(signers) > 30  # the walk reaches every plugin
    offenders = {}
    for name, fn in signers:
        params = set(inspect.signature(fn).parameters) & NONCE_PARAMETERS  # type: ignore[arg-type]
        if params and name not in NOT_A_SIGNATURE_NONCE:
            offenders[name] = params
    assert offenders == {}
    # BIP340's `aux` is auxiliary randomness hashed with the secret key and the message, never the
    # nonce itself: a caller-fixed aux gives one deterministic signature per message, not a shared k.
    key = secrets.token_bytes(32)
    same_aux = {secp256k1.sign_schnorr(key, i.to_bytes(32, "big"), bytes(32))[:32] for i in range(1000)}
    assert len(same_aux) == 1000


def test_fc_07_high_s() -> None:
    """EIP-2; Core's SCRIPT_VERIFY_LOW_S; high-s signatures accepted by ganache (trufflesuite/ganache#2600)."""
    key = secrets.token_bytes(32)
    assert all(secp256k1.sign_recoverable(key, secrets.token_bytes(32))[1] <= secp256k1.HALF_N for _ in range(100_000))
    assert all(_der(secp256k1.sign_der(key, secrets.token_bytes(32)))[1] <= secp256k1.HALF_N for _ in range(10_000))
    for chain, sigs in _chain_signatures().items():
        assert all(0 < s <= secp256k1.HALF_N for _, s in sigs), chain
    from chains.evm.messages import personal_hash, recover_address

    account = wk.Account.from_private_key("eth", key)
    sig = bytes.fromhex(account.sign_message("x")[2:])
    high = sig[:32] + (secp256k1.N - int.from_bytes(sig[32:64], "big")).to_bytes(32, "big") + bytes([55 - sig[64]])
    with pytest.raises(wk.errors.InvalidSignature, match="upper half"):
        recover_address(personal_hash("x"), high)


def test_fc_08_ed25519_double_public_key() -> None:
    """MystenLabs/ed25519-unsafe-libs; RUSTSEC-2022-0093: signing APIs that take a separate public key."""
    ed_signers = [
        (name, fn)
        for name, fn in _signing_callables()
        if name.startswith(("chains.solana.", "walletkit.crypto.ed25519."))
    ]
    assert len(ed_signers) >= 5
    for name, fn in ed_signers:
        params = set(inspect.signature(fn).parameters)  # type: ignore[arg-type]
        assert not params & {"public", "public_key", "pubkey", "pk", "keypair", "verifying_key"}, name
    assert list(inspect.signature(ed25519.sign).parameters) == ["seed", "message"]
    seed, other = secrets.token_bytes(32), ed25519.public_from_seed(secrets.token_bytes(32))
    with pytest.raises(wk.errors.InvalidKey, match="public half"):
        wk.Account.from_private_key("sol", seed + other)
    # Two signatures of one message never share R with a different S: signing is deterministic.
    account = wk.Account.from_private_key("sol", seed)
    assert len({account.sign_message("m") for _ in range(100)}) == 1
    assert len({ed25519.sign(seed, b"m") for _ in range(100)}) == 1


def test_fc_09_ed25519_verify_edge_cases() -> None:
    """ed25519-dalek validation criteria: small-order keys and non-canonical S (tests/validation_criteria.rs).

    Untrusted signatures (wk.verify_message on Solana, off-chain messages) go through
    walletkit.crypto.ed25519.verify, which is libsodium's crypto_sign_verify_detached: S < L,
    canonical A, small-order A and R refused.
    """
    from walletkit.encoding.base58 import b58decode, b58encode

    seed = secrets.token_bytes(32)
    public, message = ed25519.public_from_seed(seed), b"m"
    sig = ed25519.sign(seed, message)
    order = 2**252 + 27742317777372353535851937790883648493
    non_canonical = sig[:32] + (int.from_bytes(sig[32:], "little") + order).to_bytes(32, "little")
    assert ed25519.verify(public, message, sig)
    assert not ed25519.verify(public, message, non_canonical)  # libsodium: S must be < L
    identity = bytes([1]) + bytes(31)  # a small-order point
    assert not ed25519.verify(identity, message, identity + bytes(32))
    non_canonical_a = (1 + 2**255 - 19).to_bytes(32, "little")  # y = 1 + p: a non-canonical encoding of y = 1
    assert not ed25519.verify(non_canonical_a, message, identity + bytes(32))
    # The public verification path refuses the malleated signature too.
    account = wk.Account.from_private_key("sol", seed)
    good = account.sign_message("hello")
    raw = b58decode(good)
    malleated = raw[:32] + (int.from_bytes(raw[32:], "little") + order).to_bytes(32, "little")
    assert wk.verify_message("sol", account.address, "hello", good)
    assert not wk.verify_message("sol", account.address, "hello", b58encode(malleated))


# --- derivation ---------------------------------------------------------------------------------------


def test_fc_10_bip32_leading_zero() -> None:
    """btcutil hdkeychain (btcsuite/btcutil#172), bitcore-lib#94: child keys shorter than 32 bytes."""
    import random

    from walletkit.hd.bip32 import HDNode

    rng = random.Random(10)  # test scheduling only; the keys come from the library
    root = HDNode.from_seed(secrets.token_bytes(32))
    short = 0
    for _ in range(10_000):
        node = root
        for _ in range(rng.randint(1, 3)):  # a random path: depth 1-3, hardened or not
            node = node.child(rng.randrange(2**32))
        assert node.secret is not None and len(node.secret) == 32
        serialized = node.serialize(0x0488ADE4, True)
        assert len(serialized) == 78 and serialized[45] == 0 and serialized[46:] == node.secret  # 0x00 || ser256(k)
        short += node.secret[0] == 0
    assert short > 0  # about 1 in 256 start with a zero byte, and stayed 32 bytes
    # BIP32 test vectors 1-4 (vector 3 and 4 are the leading-zero cases: bitcoin/bips#1030).
    vectors = json.loads((VECTORS / "bip32_test_vectors.json").read_text())["data"]
    checked = 0
    for vector in vectors[:4]:
        master = HDNode.from_seed(bytes.fromhex(vector["seed_hex"]))
        for step in vector["chains"]:
            node = master.derive(step["path"])
            assert (node.to_xprv(), node.to_xpub()) == (step["ext_prv"], step["ext_pub"]), step["path"]
            checked += 1
    assert checked == 17


def test_fc_11_keystore_short_key() -> None:
    """geth keystore test vectors 31_byte_key / 30_byte_key (accounts/keystore/testdata/v3_test_vector.json)."""
    from eth_account import Account

    from walletkit.keystore import v3

    for zeros in (1, 2):  # geth's 31_byte_key and 30_byte_key: keys whose big-endian form is shorter
        secret = bytes(zeros) + b"\x01" + secrets.token_bytes(31 - zeros)
        written = Account.encrypt(secret, "pw", kdf="scrypt", iterations=1024)
        assert v3.decrypt(written, "pw", allow_weak=True) == secret  # eth-account's file, read as 32 bytes
        ours = v3.encrypt(secret, "pw", n=1024, allow_weak=True)
        assert bytes(Account.decrypt(ours, "pw")) == secret  # our file, read by eth-account


def test_fc_12_invalid_extended_keys() -> None:
    """libbitcoin-system#1871: xprv padding byte not validated (BIP32 test vector 5)."""
    from walletkit.hd.bip32 import HDNode

    bad = "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52uPPxFnfoLZB21Teqt1VvEHx"
    with pytest.raises(wk.errors.InvalidExtendedKey, match=r"not in 1\.\.n-1"):
        HDNode.parse(bad)
    invalid = json.loads((VECTORS / "bip32_test_vectors.json").read_text())["data"][4]["invalid_extended_keys"]
    assert len(invalid) == 16
    for case in invalid:  # every key of vector 5, through the parser and the public watch-only API
        with pytest.raises(wk.errors.InvalidExtendedKey):
            HDNode.parse(case["key"])
        with pytest.raises(wk.errors.InvalidExtendedKey):
            wk.Wallet.from_xpub(case["key"], "btc")


def test_fc_13_non_hardened_ed25519() -> None:
    """SLIP-0010: 'If curve is ed25519 fail' for normal children (satoshilabs/slips slip-0010.md)."""
    with pytest.raises(wk.errors.InvalidPath, match="hardened"):
        wk.Wallet.from_mnemonic(ABANDON).account("sol", path="m/44'/501'/0'/0")


def test_fc_14_solana_scheme_is_explicit() -> None:
    """solders tests/test_keypair.py: from_seed_phrase_and_passphrase vs from_seed_and_derivation_path differ."""
    from solders.keypair import Keypair

    wallet = wk.Wallet.from_mnemonic(ABANDON)
    seed = bip39.mnemonic_to_seed(ABANDON)
    assert wallet.account("sol", profile="solana-keygen").address == str(Keypair.from_seed(seed[:32]).pubkey())
    assert wallet.account("sol").address == str(
        Keypair.from_seed_and_derivation_path(seed, "m/44'/501'/0'/0'").pubkey()
    )


def test_fc_15_electrum_seed() -> None:
    """Electrum seeds are not BIP39 (bitcoinjs/bip39#136; Bit-Wasp/bitcoin-php#859)."""
    with pytest.raises(wk.errors.InvalidMnemonic, match="Electrum seed"):
        wk.Wallet.from_mnemonic("wild father tree among universe such mobile favorite target dynamic credit identify")


def test_fc_16_nfkd() -> None:
    """bitcoinj#1493 (missing NFKD), trezor/python-trezor#150 (NFC), Electron-Cash#1878 (lower-cased passphrase)."""
    phrase = bip39.entropy_to_mnemonic(bytes(range(16)), "japanese")
    passphrase = "㍍ガバヴァぱばぐゞちぢ十人十色"
    nfc = bip39.mnemonic_to_seed(unicodedata.normalize("NFC", phrase), unicodedata.normalize("NFC", passphrase))
    nfkd = bip39.mnemonic_to_seed(unicodedata.normalize("NFKD", phrase), unicodedata.normalize("NFKD", passphrase))
    assert nfc == nfkd
    assert bip39.mnemonic_to_seed(ABANDON, "Secret") != bip39.mnemonic_to_seed(ABANDON, "secret")


# --- storage --------------------------------------------------------------------------------------------


def test_fc_17_static_kdf_salt(tmp_path: Path) -> None:
    """Trust Wallet Core all-zero scrypt salt until #4069 (Oct 2024)."""
    from walletkit.keystore import KdfParams, Keystore, v3

    ks = Keystore.create(tmp_path / "k.json", "pw", mnemonic=ABANDON, kdf=KdfParams.scrypt(n=16, r=1), allow_weak=True)
    salts, nonces = set(), set()
    for _ in range(3):
        ks.save()
        header = json.loads((tmp_path / "k.json").read_text())
        salts.add(header["kdf"]["salt"])
        nonces.add(header["cipher"]["nonce"])
    assert len(salts) == 3 and all(len(bytes.fromhex(s)) >= 16 for s in salts)
    assert len(nonces) == 3
    assert KdfParams("scrypt", salt=bytes(8)).is_weak()
    # The v3 writer too: a fresh salt and IV in every file.
    files = [v3.encrypt(bytes(31) + b"\x01", "pw", n=16, allow_weak=True)["crypto"] for _ in range(3)]
    assert len({f["kdfparams"]["salt"] for f in files}) == 3 and len({f["cipherparams"]["iv"] for f in files}) == 3


def test_fc_18_weak_kdf_params(tmp_path: Path) -> None:
    """geth accepts n=2; Trust Wallet #4680; eth-keyfile reads c from the file."""
    from eth_account import Account

    from walletkit.keystore import v3

    weak = Account.encrypt(bytes(31) + b"\x01", "pw", kdf="pbkdf2", iterations=2)
    with pytest.raises(wk.errors.WeakKdfParameters):
        v3.decrypt(weak, "pw")
    assert v3.decrypt(weak, "pw", allow_weak=True)[-1] == 1


def test_fc_19_timing_leaky_mac_compare() -> None:
    """eth-keyfile#12 (fixed with hmac.compare_digest); geth's bytes.Equal in passphrase.go."""
    for path in (ROOT / "walletkit" / "keystore").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                operands = [node.left, *node.comparators]
                if any(isinstance(o, ast.Call) and getattr(o.func, "id", "") == "len" for o in operands):
                    continue  # a length check compares no secret bytes
                text = ast.unparse(node).lower()
                assert not re.search(r"\b(mac|tag|check)\b", text), f"{path.name}: {text}"
        assert "compare_digest" in path.read_text() or path.name in ("__init__.py", "kdf.py")


def test_fc_20_crash_during_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Electrum 0-byte wallet (spesmilo/electrum#960); no fsync (zingolabs/zingo-mobile#1224)."""
    from walletkit.keystore import store

    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(store.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(store.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    store.atomic_write(tmp_path / "f", b"data")
    assert calls == ["fsync", "replace", "fsync"]  # file, rename, folder; SIGKILL trials: tests/keystore/test_crash.py


def test_fc_21_malformed_keystore_under_O(tmp_path: Path) -> None:
    """geth getKDFKey unchecked assertions; eth-keyfile validates PRF with assert (gone under python -O)."""
    script = (
        "from walletkit.keystore import v3\nfrom walletkit.errors import WalletKitError\n"
        'for doc in [\'{}\', \'{"version":3,"crypto":{"cipher":"aes-128-ctr","kdf":"pbkdf2","kdfparams":'
        '{"prf":"hmac-md5","c":1,"salt":"00"},"cipherparams":{"iv":"00"},"ciphertext":"","mac":"00"}}\','
        " '[' * 5000]:\n    try:\n        v3.decrypt(doc, 'pw', allow_weak=True)\n    except WalletKitError:\n        pass\nprint('ok')"
    )
    out = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_fc_22_secrets_in_repr_and_logs() -> None:
    """btclib-org/btclib#137 (xprv in repr); pyth-network/pyth-crosschain#3858 (loguru diagnose); str(Keypair)."""
    wallet = wk.Wallet.from_mnemonic(ABANDON)
    for chain in ("btc", "eth", "sol"):
        account = wallet.account(chain)
        secret = account.signing_key().secret_bytes().hex()
        for text in (repr(account), repr(account.signing_key()), f"{account.signing_key()}", repr(wallet)):
            assert secret not in text and "abandon" not in text  # full canary: tests/core/test_canary.py
    # A near-miss secret (one character off, padded, truncated) is refused without being echoed,
    # in the message or in a logged traceback.
    stream = io.StringIO()
    log = logging.getLogger("walletkit-fc22")
    log.addHandler(logging.StreamHandler(stream))
    for chain in ("btc", "eth", "tron", "sol"):
        exported = wallet.account(chain).export_private_key()
        last = "A" if exported[-1] != "A" else "B"
        for near in (exported[:-1] + last, exported + "x", exported[1:], exported[:-2], " " + exported + "\x00"):
            try:
                wk.Account.from_private_key(chain, near)
            except wk.errors.WalletKitError:
                log.exception("import failed")
    text = stream.getvalue()
    assert "import failed" in text
    secrets_seen = [wallet.account(c).export_private_key() for c in ("btc", "eth", "tron", "sol")]
    assert not [x for x in secrets_seen if x[2:18] in text or x[-16:-2] in text]


# --- EVM --------------------------------------------------------------------------------------------------


def test_fc_23_eip155_replay() -> None:
    """MetaMask#897; raiden#6898 (signed without chainId); MEW #1921."""
    account = wk.Account.from_private_key("bsc", "0x" + "46" * 32)
    tx = account.transfer("0x3535353535353535353535353535353535353535", 1, nonce=0, gas=21000, gas_price=1)
    import rlp

    v = rlp.decode(account.sign(tx).raw)[6]
    assert int.from_bytes(v, "big") in (2 * 56 + 35, 2 * 56 + 36)
    with pytest.raises(wk.errors.ChainMismatch):
        account.transfer("0x3535353535353535353535353535353535353535", 1, nonce=0, gas_price=1, chain_id=1)
    from dataclasses import replace

    with pytest.raises(wk.errors.ChainMismatch):
        account.sign(replace(tx, chain_id=1))  # type: ignore[type-var]


def test_fc_24_eip712_domain() -> None:
    """EIP-712: refuse a domain chainId that does not match (hubble-contracts#587; sherlock kyber-swap #94)."""
    account = wk.Account.from_private_key("eth", "0x" + "11" * 32)
    data = {
        "types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"}], "M": [{"name": "x", "type": "uint256"}]},
        "primaryType": "M",
        "domain": {"chainId": 56},
        "message": {"x": 1},
    }
    with pytest.raises(wk.errors.ChainMismatch):
        account.plugin.sign_typed_data(account, data)  # type: ignore[attr-defined]
    # The signer's policy: typed data only for allowlisted verifying contracts.
    from walletkit.signer import Policy

    policy = Policy.from_toml('[chains.eth]\neip712_contracts = ["0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"]')
    policy.check_typed_data("eth", "mainnet", {"verifyingContract": "0xcccccccccccccccccccccccccccccccccccccccc"})
    with pytest.raises(wk.errors.PolicyViolation, match="eip712_domain"):
        policy.check_typed_data("eth", "mainnet", {"verifyingContract": "0x" + "dd" * 20})
    with pytest.raises(wk.errors.PolicyViolation, match="eip712_domain"):
        Policy.from_toml("[chains.eth]").check_typed_data("eth", "mainnet", {})
    assert not hasattr(wk.Account, "sign_hash")  # raw hashes only through the plugin's unsafe_sign_hash


def test_fc_25_eip55_ignored() -> None:
    """ethereumjs-util#54; vultisig-android#5574 (case-insensitive validation)."""
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    i = next(i for i, c in enumerate(good) if i > 1 and c.isalpha())
    with pytest.raises(wk.errors.InvalidAddress, match="EIP-55"):
        wk.validate_address("eth", good[:i] + good[i].swapcase() + good[i + 1 :])


def test_fc_26_address_poisoning() -> None:
    """Tsuchiya et al., USENIX Security 2025: 270M poisoning attacks on ETH/BSC."""
    from walletkit.signer import Allowlist

    allowed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    lookalike = "0x5aae" + "0" * 32 + "eaed"  # same first and last four characters
    allow = Allowlist("eth", [allowed])
    assert allow.check(allowed.lower()) == allowed
    with pytest.raises(wk.errors.PolicyViolation, match="look-alike"):
        allow.check(lookalike)


def test_fc_27_nonce_races() -> None:
    """go-ethereum#1482 (nonce assignment racy); web3.js#1301; nucypher#1433. On anvil: tests/evm/test_anvil.py."""
    from chains.evm.nonces import NonceManager

    manager = NonceManager(lambda address: 5)
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(500):
            n = manager.reserve("0xabc")
            with lock:
                got.append(n)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(5, 5 + 16 * 500))
    manager.release("0xabc", 7)
    assert manager.reserve("0xabc") == 7  # a failed broadcast's nonce is reused, no gap


# --- TRON ---------------------------------------------------------------------------------------------------


def test_fc_28_tron_hex_base58_confusion() -> None:
    """tron-web#157; BitGoJS#6053/#9649; base58 without checksum (trezor-suite#26301)."""
    account = wk.Account.from_private_key("tron", "01" * 32)
    header = {"ref_block_bytes": "0001", "ref_block_hash": "00" * 8, "timestamp": 1_700_000_000_000}
    to = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"
    raw = bytes.fromhex(wk.validate_address("tron", to) and "415cd0fb0ab3ce40f3051414c604b27756e69e43db")
    forms = [to, raw.hex(), "0x" + raw[1:].hex()]
    assert len({account.sign(account.transfer(f, 1, **header)).raw for f in forms}) == 1
    with pytest.raises(wk.errors.InvalidAddress, match="checksum"):
        wk.validate_address("tron", to[:-1] + ("D" if to[-1] != "D" else "E"))


def test_fc_29_tron_network_replay() -> None:
    """TRON transactions carry no chain id; TIP-155 still open (tronprotocol/tips#774)."""
    import http.server

    seen: list[str] = []

    class Node(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # answers block 0 with a genesis that is not the pinned one
            seen.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"blockID": "11" * 32} if self.path == "/wallet/getblockbynum" else {}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        account = wk.Account.from_private_key("tron", "03" * 32)
        pinned = wk.connect("tron", url, network="nile", genesis_block_id="22" * 32)
        with pytest.raises(wk.errors.ChainMismatch, match="not the pinned"):
            account.connect(pinned).send("TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC", 5)
        assert seen == ["/wallet/getblockbynum"]  # nothing was built, signed or broadcast
    finally:
        server.shutdown()
    with pytest.raises(wk.errors.NetworkError):  # an unreachable node is never assumed to be the pinned one
        wk.connect("tron", "http://127.0.0.1:9", genesis_block_id="22" * 32).check_network()  # type: ignore[attr-defined]
    from walletkit.signer import Policy
    from walletkit.signer.policy import Request

    with pytest.raises(wk.errors.PolicyViolation, match="network_pinned"):
        Policy.from_toml('[chains.tron]\nnetworks = ["nile"]').check(
            Request("tron", "mainnet", account.address, 1, None, 0)
        )


# --- Solana --------------------------------------------------------------------------------------------------


def test_fc_30_solana_off_curve_owner() -> None:
    """solana-program-library#1641 ('It's possible to ATA an ATA … LoF') and #1802."""
    from solders.pubkey import Pubkey

    from chains.solana import programs

    account = wk.Account.from_private_key("sol", bytes(range(32)))
    pda, _ = Pubkey.find_program_address([b"vault"], programs.TOKEN_PROGRAM)
    fields = {"decimals": 6, "recent_blockhash": "11111111111111111111111111111111"}
    with pytest.raises(wk.errors.InvalidAddress, match="off the ed25519 curve"):
        account.transfer(str(pda), 1, token="EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", **fields)
    # A recipient that is itself a token account (ATA of an ATA): only the chain knows, so on LiteSVM.
    from walletkit.testing import start_engine

    with start_engine("sol") as svm:
        receiver = wk.Account.from_private_key("sol", bytes(range(1, 33)))
        svm.airdrop(account.address, 10**10)
        mint = svm.create_mint(account.address, decimals=6)
        svm.mint_to(mint, account.address, 1000)
        receiver_ata = svm.mint_to(mint, receiver.address, 0)
        with pytest.raises(wk.errors.InvalidAddress, match="is itself a token account"):
            account.connect(svm).send(receiver_ata, 10, token=mint)
        account.connect(svm).send(str(pda), 10, token=mint, allow_owner_off_curve=True)  # the explicit opt-in
        assert svm.balance(str(pda), mint) == 10 and svm.balance(receiver_ata, mint) == 0


# --- Bitcoin ------------------------------------------------------------------------------------------------------


def _btc() -> tuple[wk.Account, str, list[dict[str, object]]]:
    account = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="regtest")
    to = wk.Wallet.from_mnemonic(ABANDON).account("btc", index=1, network="regtest").address
    return account, to, [{"txid": "ab" * 32, "vout": 0, "value": 10**9}]


def test_fc_31_fee_overpayment() -> None:
    """Paxos paid 19.89 BTC in fees on 2023-09-10 (nobsbitcoin.com; mononaut)."""
    account, to, utxos = _btc()
    with pytest.raises(wk.errors.FeeTooHigh):
        account.transfer(to, 10_000, utxos=utxos, fee_rate=20_000)
    transfer = account.transfer(to, 10_000, utxos=utxos, fee_rate=10)
    assert sum(o.value for o in transfer.spent) - sum(o.value for o in transfer.tx.outputs) == transfer.fee  # type: ignore[attr-defined]
    # The absolute cap (0.1 BTC, as Core's -maxtxfee): twenty inputs at a rate under the rate cap.
    many = [{"txid": f"{i:064x}", "vout": 0, "value": 3_000_000} for i in range(1, 21)]
    with pytest.raises(wk.errors.FeeTooHigh):
        account.transfer(to, 45_000_000, utxos=many, fee_rate=9_000)
    # A fee cap that a policy file turns off silently is no cap: NaN is not a ratio.
    from walletkit.signer import Policy

    with pytest.raises(wk.errors.WalletKitError):
        Policy.from_toml("[chains.eth]\nmax_fee_ratio = nan")


def test_fc_32_lied_about_input_amounts() -> None:
    """Segwit fee attack, CVE-2020-14199 (Trezor blog); BIP341 commits to all amounts and scripts."""
    from chains.bitcoin import kernel, script, signer
    from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

    account = wk.Wallet.from_mnemonic(ABANDON).account("btc", kind="p2tr", network="regtest")
    spent = [TxOut(50_000, script.p2tr(account.public_key.data))]
    tx = Transaction((TxIn(OutPoint("cd" * 32, 0)),), (TxOut(40_000, spent[0].script_pubkey),))
    signed = signer.sign_input(tx, 0, account.signing_key().secret_bytes(), account.public_key.data, spent)
    assert kernel.verify_input(signed, 0, spent)
    assert not kernel.verify_input(signed, 0, [TxOut(5_000_000, spent[0].script_pubkey)])
    with pytest.raises(wk.errors.InvalidTransaction, match="every spent output"):
        signer.sign_input(tx, 0, account.signing_key().secret_bytes(), account.public_key.data, [])


def test_fc_33_sighash_single_bug() -> None:
    """Input index >= #outputs signs the constant 1 (mainnet tx 99fc1e5c…; bitcoin.stackexchange q/114850)."""
    from chains.bitcoin import sighash
    from chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut

    tx = Transaction((TxIn(OutPoint("ab" * 32, 0)), TxIn(OutPoint("ab" * 32, 1))), (TxOut(1, b"\x51"),))
    with pytest.raises(wk.errors.InvalidTransaction, match="constant 1"):
        sighash.legacy(tx, 1, b"\x51", sighash.SIGHASH_SINGLE)


def test_fc_34_dust_outputs() -> None:
    """Core policy DUST_RELAY_TX_FEE = 3000 sat/kvB (src/policy/policy.h)."""
    account, _, utxos = _btc()
    wallet = wk.Wallet.from_mnemonic(ABANDON)
    # GetDustThreshold at 3 sat/vB: the cost of spending the output, per kind of recipient.
    for kind, threshold in (("p2pkh", 546), ("p2sh-p2wpkh", 540), ("p2wpkh", 294), ("p2tr", 330)):
        to = wallet.account("btc", index=2, kind=kind, network="regtest").address
        with pytest.raises(wk.errors.DustOutput, match=str(threshold)):
            account.transfer(to, threshold - 1, utxos=utxos, fee_rate=1)
        account.transfer(to, threshold, utxos=utxos, fee_rate=1)


def test_fc_35_wrong_network() -> None:
    """Core blocks cross-chain wallet reuse (test/functional/wallet_crosschain.py)."""
    mainnet = wk.Wallet.from_mnemonic(ABANDON).account("btc")
    testnet_address = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="testnet").address
    with pytest.raises(wk.errors.WrongNetwork, match="not a mainnet address"):
        mainnet.transfer(testnet_address, 10_000, utxos=[{"txid": "ab" * 32, "vout": 0, "value": 10**6}], fee_rate=1)
    testnet_wif = wk.Wallet.from_mnemonic(ABANDON).account("btc", network="testnet").export_private_key()
    with pytest.raises(wk.errors.WrongNetwork, match="for testnet, not mainnet"):
        wk.Account.from_private_key("btc", testnet_wif, network="mainnet")
    # Extended keys carry their network in the version bytes too (tpub/upub/vpub are testnet).
    from walletkit.hd.bip32 import HDNode

    vpub = HDNode.from_seed(bip39.mnemonic_to_seed(ABANDON)).derive("m/84'/1'/0'").to_xpub("v")
    assert wk.Wallet.from_xpub(vpub, "btc").account("btc").address.startswith("tb1")
    with pytest.raises(wk.errors.WrongNetwork):
        wk.Wallet.from_xpub(vpub, "btc", network="mainnet")
