"""Cold and incremental release build time of each Rust side, measured once per machine.

    .venv/bin/python benchmarks/build_cost.py [--frameworks linfa,linfa-py,candle]
        [--out benchmarks/results/build_cost.json]

Cold: `cargo build --release --locked -p PACKAGE` into an empty target directory (every dependency compiled;
the local crates.io cache is used, nothing is downloaded). Incremental: one source file of the package touched,
then the same build again (the workspace crate recompiled and relinked with thin LTO). Phase 2 attaches this
file to the facts of each framework when it exists; the pipeline itself never builds cold (too slow per run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pairbench.build.facts import cargo_metadata, workspace_package
from pairbench.core.paths import project_root


def _build(package: str, target: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-p", package],
        cwd=project_root(),
        check=True,
        env={**env, "CARGO_TARGET_DIR": str(target)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return round(time.perf_counter() - t0, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frameworks", default="linfa,linfa-py")
    parser.add_argument("--out", type=Path, default=project_root() / "benchmarks" / "results" / "build_cost.json")
    args = parser.parse_args()
    from pairbench.configuration.config import load_frameworks
    from pairbench.core.paths import config_dir

    specs = load_frameworks(config_dir() / "frameworks.yaml")
    meta = cargo_metadata()
    if meta is None:
        raise SystemExit("cargo metadata failed")
    doc = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {"frameworks": {}}
    venv_bin = os.path.dirname(sys.executable)
    env = {
        **os.environ,
        "PYO3_PYTHON": sys.executable,
        "LIBTORCH_USE_PYTORCH": "1",
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    for name in args.frameworks.split(","):
        fw = specs[name]
        pkg = workspace_package(meta, binary=fw.binary, lib=fw.module)
        if pkg is None:
            raise SystemExit(
                f"--frameworks: {name}: no workspace package builds it; allowed: linfa, linfa-py, candle, tch"
            )
        with tempfile.TemporaryDirectory(prefix="pairbench-cold-") as tmp:
            cold = _build(pkg["name"], Path(tmp), env)
            Path(pkg["targets"][0]["src_path"]).touch()
            incremental = _build(pkg["name"], Path(tmp), env)
        doc["frameworks"][name] = {
            "package": pkg["name"],
            "cold_build_s": cold,
            "incremental_build_s": incremental,
            "rustc": rustc,
            "host": platform.node(),
            "cores": os.cpu_count(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        print(f"{name}: cold {cold} s, incremental {incremental} s ({pkg['name']})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
