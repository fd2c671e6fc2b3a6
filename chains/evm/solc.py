"""The Solidity compiler from npm (``solc``, whose package ships the compiler as ``soljson.js``), run by node.

Tests and examples compile their contracts from source with it, so no bytecode is committed
without the source that makes it. The package is installed on first use into the same cache
as anvil (``~/.cache/walletkit/npm`` or ``$WALLETKIT_CACHE``). Input and output are solc's
standard JSON (https://docs.soliditylang.org/en/latest/using-the-compiler.html#compiler-input-and-output-json-description).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from walletkit.errors import EngineError, InvalidInput
from walletkit.testing.npm import ensure_package

NPM_PACKAGE = "solc@0.8.28"

# solc-js's own wrapper: standard JSON in on stdin, standard JSON out on stdout.
_SCRIPT = """
const solc = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify({ version: solc.version(), output: JSON.parse(solc.compile(input)) }));
});
"""


@dataclass(frozen=True, slots=True)
class CompiledContract:
    """One compiled contract: its ABI (solc's JSON entries), creation code and deployed code."""

    name: str
    abi: tuple[Mapping[str, object], ...]
    bytecode: bytes  # creation code: append the ABI-encoded constructor arguments to deploy
    runtime: bytes  # the code the chain holds after deployment
    compiler: str  # solc's version string


def solc_path() -> Path:
    """Return the installed ``solc`` npm package folder, installing it on first use.

    Raises:
        EngineError: npm is missing or the install failed; the message says what to run.
    """
    return ensure_package(NPM_PACKAGE, "solc", "soljson.js").parent


def compile_solidity(
    sources: Mapping[str, str], *, evm_version: str = "cancun", optimize: bool = True
) -> dict[str, CompiledContract]:
    """Compile Solidity sources (file name -> source text); return every contract by name.

    Args:
        sources: e.g. ``{"MintShop.sol": text}``.
        evm_version: the hardfork the code targets (``cancun`` runs on anvil and mainnet).
        optimize: run solc's optimizer (200 runs).

    Returns:
        ``{contract name: CompiledContract}`` over all sources (abstract contracts and
        interfaces have empty bytecode).

    Raises:
        InvalidInput: the sources do not compile; the message quotes solc's errors.
        EngineError: node or npm is missing, or the compiler could not run.

    >>> sorted(compile_solidity({"A.sol": "pragma solidity ^0.8.0; contract A {}"}))
    ['A']
    """
    node = shutil.which("node")
    if node is None:
        raise EngineError("compiling Solidity needs node; install Node.js, then retry")
    request = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {
            "evmVersion": evm_version,
            "optimizer": {"enabled": optimize, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }
    result = subprocess.run(
        [node, "-e", _SCRIPT, str(solc_path())],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise EngineError(f"solc (node) exited with {result.returncode}: {result.stderr.strip()[-400:]}")
    answer = json.loads(result.stdout)
    output = answer["output"]
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        text = "; ".join(str(e.get("formattedMessage") or e.get("message")).strip() for e in errors)
        raise InvalidInput(f"the Solidity sources do not compile: {text[:2000]}")
    compiled: dict[str, CompiledContract] = {}
    for contracts in output.get("contracts", {}).values():
        for name, item in contracts.items():
            evm = item["evm"]
            compiled[name] = CompiledContract(
                name=name,
                abi=tuple(item["abi"]),
                bytecode=bytes.fromhex(evm["bytecode"]["object"]),
                runtime=bytes.fromhex(evm["deployedBytecode"]["object"]),
                compiler=str(answer["version"]),
            )
    return compiled
