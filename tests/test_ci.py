"""CI runs what `make test` runs: the root-only tests are run as root there, and a skip of one is loud."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from pairbench.core.paths import project_root
from tests.root_only import ROOT_ONLY_FIXTURES

ROOT = project_root()

FIXTURE_TESTS = """
import pytest

@pytest.fixture
def small_disk():
    pytest.skip("mounting a small tmpfs needs root")

@pytest.fixture
def cluster(small_disk):  # root-only through another fixture
    return small_disk

def test_full_disk(cluster):
    pass

def test_plain():
    pass
"""


def _pytest(tmp_path: Path, *args: str) -> tuple[int, str]:
    (tmp_path / "test_fixture.py").write_text(FIXTURE_TESTS, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.root_only", "-p", "no:cacheprovider", "-c",
         str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), str(tmp_path), *args],
        # Installed plugins stay out: loading them took 2 s of each run, and the fixture needs none.
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("workers", [(), ("-p", "xdist.plugin", "-n", "2")], ids=["serial", "xdist"])
def test_a_skipped_root_only_test_is_named_in_the_summary(tmp_path: Path, workers: tuple[str, ...]) -> None:
    code, out = _pytest(tmp_path, *workers)
    assert code == 0, out
    assert "ROOT-ONLY TESTS SKIPPED: test_full_disk — run as root to exercise the full-disk path" in out, out
    assert "test_fixture.py::test_full_disk: mounting a small tmpfs needs root" in out, out


def test_root_only_runs_just_those_and_a_skip_fails(tmp_path: Path) -> None:
    code, out = _pytest(tmp_path, "--root-only")
    assert code == 1, out
    assert "1 deselected" in out and "1 error" in out, out
    assert "--root-only: this test must run here, but it was skipped: mounting a small tmpfs needs root" in out, out


def test_every_root_check_is_a_root_only_fixture() -> None:
    """A fixture or test that checks for root must be listed in tests/root_only.py, or its skip goes unnamed."""
    checks = set()
    defined = set()
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                defined.add(node.name)
                calls = {
                    n.func.attr for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                }
                if calls & {"geteuid", "getuid"}:
                    checks.add(node.name)
    assert checks == set(ROOT_ONLY_FIXTURES), "root checks vs tests/root_only.py's ROOT_ONLY_FIXTURES"
    assert set(ROOT_ONLY_FIXTURES) <= defined


def test_ci_runs_make_test_then_the_root_only_tests_as_root() -> None:
    lines = [x for x in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if x and not x.startswith("#")]
    assert lines[-1] == "make test"
    steps = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))["jobs"]["test"][
        "steps"
    ]
    runs = [step.get("run", "") for step in steps]
    first = runs.index("bash .ci/run")
    root = [run for run in runs[first + 1 :] if "--root-only" in run]
    assert len(root) == 1 and "sudo -E env" in root[0] and '"PATH=$PATH"' in root[0], runs


def test_the_rust_cache_points_torch_sys_at_this_clones_venv(tmp_path: Path) -> None:
    """A cached torch-sys output built in another clone names that clone's venv; restoring it into this
    clone rewrites the path and keeps the file's mtime to the nanosecond (cargo compares it with its build
    script's, and a rounded one made cargo rebuild torch-sys and tch: 4 minutes)."""
    cache, clone, other = tmp_path / "cache", tmp_path / "clone", "/elsewhere/clone/.venv"
    clone.mkdir()
    for name in ("Cargo.lock", "pyproject.toml"):
        (clone / name).write_text((ROOT / name).read_text())
    built = clone / "target" / "release" / "build" / "torch-sys-0123"
    built.mkdir(parents=True)
    lib = "lib/python3.11/site-packages/torch/lib"
    (built / "output").write_text(f"cargo:rustc-link-search=native={other}/{lib}\ncargo:libtorch_lib={other}/{lib}\n")
    os.utime(built / "output", ns=(1_796_673_023_471_822_345, 1_796_673_023_471_822_345))
    script = str(ROOT / "scripts" / "cargo_cache.sh")
    subprocess.run(["bash", script, "save", str(cache)], cwd=clone, check=True)
    subprocess.run(["rm", "-rf", str(clone / "target")], check=True)
    subprocess.run(["bash", script, "restore", str(cache)], cwd=clone, check=True, capture_output=True)
    restored = clone / "target" / "release" / "build" / "torch-sys-0123" / "output"
    assert restored.read_text().splitlines() == [
        f"cargo:rustc-link-search=native={clone}/.venv/{lib}",
        f"cargo:libtorch_lib={clone}/.venv/{lib}",
    ]
    assert restored.stat().st_mtime_ns == 1_796_673_023_471_822_345


# The cargo selections `make test` builds on one target directory (the test build adds dev-dependencies).
CARGO_SELECTIONS = {
    "default members": [],
    "pairbench-tch (build_tch.sh)": ["-p", "pairbench-tch"],
    "pairbench-linfa-py (maturin)": ["-p", "pairbench-linfa-py"],
    "default members, tests": ["-e", "dev"],
}


def _resolved_features(args: list[str]) -> dict[str, set[str]]:
    """`name version` -> the features cargo turns on for it in this selection (its build and target copies
    together)."""
    tree = subprocess.run(
        ["cargo", "tree", "--offline", "--locked", *args, "-e", "normal", "-e", "build",
         "--prefix", "none", "-f", "{p}|{f}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    out: dict[str, set[str]] = {}
    for line in tree.splitlines():
        package, _, features = line.removesuffix(" (*)").partition("|")
        name_version = " ".join(package.split()[:2])
        out.setdefault(name_version, set()).update(f for f in features.split(",") if f)
    return out


def test_every_cargo_selection_turns_on_the_same_features_of_a_shared_crate() -> None:
    """Else cargo compiles the crate, and all above it, once per selection (pairbench-tch compiled 98 crates
    twice, minutes of a cold build): src/rust/workspace-hack/Cargo.toml turns on the union, and names the fix."""
    resolved = {name: _resolved_features(args) for name, args in CARGO_SELECTIONS.items()}
    base = resolved["default members"]
    differ = [
        f"{crate}: {name} {sorted(features - base[crate])} / default members {sorted(base[crate] - features)}"
        for name, features_of in resolved.items()
        for crate, features in features_of.items()
        if crate in base and features != base[crate]
    ]
    assert not differ, "features differ between cargo selections; add them to the workspace hack:\n" + "\n".join(differ)
    assert "pairbench-workspace-hack v0.1.0" in resolved["pairbench-tch (build_tch.sh)"]


def test_a_rust_target_without_a_test_harness_has_no_tests() -> None:
    """`test = false` saves `cargo test` a harness for a target with no tests; a #[test] added there later would
    never run."""
    silent = []
    for manifest in sorted((ROOT / "src" / "rust").glob("*/Cargo.toml")):
        crate = tomllib.loads(manifest.read_text(encoding="utf-8"))
        files = [manifest.parent / b["path"] for b in crate.get("bin", []) if b.get("test") is False]
        if crate.get("lib", {}).get("test") is False:  # the library: every module but a binary's main
            files += [f for f in (manifest.parent / "src").rglob("*.rs") if f.name != "main.rs"]
        silent += [str(f.relative_to(ROOT)) for f in files if "#[test]" in f.read_text(encoding="utf-8")]
    assert not silent, f"#[test] in a target built with `test = false`: {silent}"
