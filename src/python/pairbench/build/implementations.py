"""Phase 2: build the Rust side in release mode and record what each implementation is."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

from pairbench import __version__
from pairbench.build.facts import cargo_metadata, framework_facts
from pairbench.core.frameworks import installed_version
from pairbench.core.paths import project_root, rust_target_dir
from pairbench.core.registry import algorithms


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(project_root()), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def build_rust(binary: str, skip_build: bool = False) -> dict[str, Any]:
    """`cargo build --release` for the package that provides `binary`; returns facts or the error."""
    record: dict[str, Any] = {"binary": binary, "profile": "release"}
    path = rust_target_dir() / "release" / binary
    if not skip_build:
        if shutil.which("cargo") is None:
            record["build_error"] = "cargo not on PATH"
        else:
            t0 = time.perf_counter()
            # Each binary is its own package (pairbench-tch is outside the default members, since it
            # links the venv's libtorch: torch-sys finds it through this very interpreter).
            # torch-sys asks `python` (with VIRTUAL_ENV set) or else `python3` on PATH where libtorch is,
            # so this interpreter's bin directory goes first.
            venv_bin = os.path.dirname(sys.executable)
            env = {
                **os.environ,
                "LIBTORCH_USE_PYTORCH": "1",
                "PYTHON_SYS_EXECUTABLE": sys.executable,
                "VIRTUAL_ENV": os.path.dirname(venv_bin),
                "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            }
            # Without -p, features are unified over the workspace's default members exactly as `make setup`
            # built them, so this is a no-op after setup; `-p` alone would resolve other features for shared
            # crates (candle-transformers turns some on) and rebuild candle for minutes.
            cmd = ["cargo", "build", "--release", "--locked", "--bin", binary]
            proc = subprocess.run(cmd, cwd=project_root(), capture_output=True, text=True, check=False, env=env)
            if proc.returncode != 0 and "no bin target named" in proc.stderr:  # outside the default members
                proc = subprocess.run(
                    [*cmd, "-p", binary], cwd=project_root(), capture_output=True, text=True, check=False, env=env
                )
            record["build_seconds"] = round(time.perf_counter() - t0, 2)
            if proc.returncode != 0:
                record["build_error"] = proc.stderr[-4000:]
    if path.exists():
        record["binary_path"] = str(path)
        record["binary_size_bytes"] = path.stat().st_size
        caps = subprocess.run([str(path), "capabilities"], capture_output=True, text=True, check=False)
        if caps.returncode == 0:
            record["capabilities"] = json.loads(caps.stdout)
            record["version"] = record["capabilities"].get("version", "")
    record["available"] = "binary_path" in record and "capabilities" in record and "build_error" not in record
    return record


def binding_capabilities(module: str) -> dict[str, Any] | None:
    """What a Python binding over Rust (a framework with both `module` and `crate`) implements."""
    try:
        caps = importlib.import_module(module).capabilities()
    except (ImportError, AttributeError):
        return None
    parsed: dict[str, Any] = json.loads(caps) if isinstance(caps, str) else caps
    return parsed


def record_implementations(
    selection: dict[str, Any], skip_build: bool = False, with_facts: bool = True
) -> dict[str, Any]:
    """Facts about every framework the selected cells use, keyed by framework name."""
    used = {fw["name"] for cell in selection.get("cells", []) for fw in cell["frameworks"]}
    frameworks: dict[str, Any] = {}
    for name, fw in selection.get("frameworks", {}).items():
        if name not in used:
            continue
        if fw["language"] == "python":
            module = fw.get("module") or ""
            frameworks[name] = {
                "language": "python",
                "package": fw.get("package"),
                "version": installed_version(fw.get("package") or name),
                "available": not module or importlib.util.find_spec(module) is not None,
                "algorithms": {d: sorted(algorithms(d)) for d in fw["domains"]},
            }
            if fw.get("crate") and frameworks[name]["available"]:
                caps = binding_capabilities(module)
                if caps is not None:
                    frameworks[name]["capabilities"] = caps
        else:
            frameworks[name] = {"language": "rust", **build_rust(fw["binary"], skip_build=skip_build)}
    if with_facts:
        # After the builds, so the facts describe what was just built.
        meta = cargo_metadata()
        for name, record in frameworks.items():
            record["facts"] = framework_facts(name, selection["frameworks"][name], record, meta)
    out = {"pairbench_version": __version__, "git_commit": _git_commit(), "frameworks": frameworks}
    if any(cell.get("domain") == "llm" for cell in selection.get("cells", [])):
        from pairbench.tasks.llm.weights import verify_all

        # The weight packages' files against the digests committed with the code (a failure is data here;
        # phase 3 refuses to materialise a model from a package that fails).
        out["llm_weights"] = verify_all()
    if with_facts:
        from pairbench.build.findings import check_findings

        out["findings"] = check_findings(frameworks)
    return out
