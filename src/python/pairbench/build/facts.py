"""Phase 2 facts per framework, read from the real build and install: identity, build cost, effort.

Nothing here is fetched or typed in. Identity comes from Cargo's lock-resolved metadata
(`cargo metadata --offline`) and from pip's installed metadata (`importlib.metadata`); build cost from
the release artefacts and the dependency graphs; effort from counting the framework's `sources`
(frameworks.yaml) with pygount. A cold build is too slow for every run: `benchmarks/build_cost.py`
measures it once per machine into `benchmarks/results/build_cost.json`, which is attached when present.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import re
import stat
import subprocess
from collections import deque
from importlib import metadata
from pathlib import Path
from typing import Any

from pairbench.core.paths import project_root

BUILD_COST_FILE = Path("benchmarks") / "results" / "build_cost.json"


def cargo_metadata(root: Path | None = None) -> dict[str, Any] | None:
    """The workspace's resolved dependency graph, from Cargo.lock and the local registry (no network)."""
    try:
        proc = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--offline", "--locked"],
            cwd=root or project_root(),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    meta: dict[str, Any] = json.loads(proc.stdout)
    return meta


def crate_identity(meta: dict[str, Any], crate: str) -> dict[str, Any]:
    """Version, licence and repository of `crate` as resolved for this workspace (several versions: highest)."""
    found = [p for p in meta["packages"] if p["name"] == crate]
    if not found:
        return {}

    def key(p: dict[str, Any]) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p["version"])[:3])

    pkg = max(found, key=key)
    return {
        "name": crate,
        "version": pkg["version"],
        "license": pkg.get("license") or "",
        "repository": pkg.get("repository") or pkg.get("homepage") or "",
        "source": "cargo metadata",
    }


def workspace_package(meta: dict[str, Any], binary: str = "", lib: str = "") -> dict[str, Any] | None:
    """The workspace package that builds binary `binary` (or library `lib`)."""
    members = set(meta.get("workspace_members", []))
    for pkg in meta["packages"]:
        if pkg["id"] not in members:
            continue
        for target in pkg["targets"]:
            if (binary and target["name"] == binary and "bin" in target["kind"]) or (lib and target["name"] == lib):
                return dict(pkg)
    return None


def crate_closure(meta: dict[str, Any], package_id: str) -> list[str]:
    """Every crate compiled into the package's release artefact (normal and build dependencies, no dev)."""
    nodes = {n["id"]: n for n in (meta.get("resolve") or {}).get("nodes", [])}
    seen = {package_id}
    queue = deque([package_id])
    while queue:
        node = nodes.get(queue.popleft())
        if node is None:
            continue
        for dep in node.get("deps", []):
            kinds = {k.get("kind") for k in dep.get("dep_kinds", [])} or {None}
            if kinds <= {"dev"} or dep["pkg"] in seen:
                continue
            seen.add(dep["pkg"])
            queue.append(dep["pkg"])
    seen.discard(package_id)
    names = {p["id"]: f"{p['name']} {p['version']}" for p in meta["packages"]}
    return sorted(names.get(i, i) for i in seen)


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """Names of the distribution's unconditional requirements (extras and non-matching markers left out)."""
    from packaging.requirements import Requirement

    out = []
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        out.append(req.name)
    return out


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def python_closure(distribution: str) -> dict[str, Any]:
    """The installed dependency closure of a distribution: how many distributions and how many bytes."""
    seen: dict[str, metadata.Distribution] = {}
    queue = deque([distribution])
    while queue:
        name = _canonical(queue.popleft())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        queue.extend(_requirement_names(dist))
    if _canonical(distribution) not in seen:
        return {}

    own = seen[_canonical(distribution)]
    return {
        "distribution": own.metadata["Name"],
        "version": own.version,
        "license": own.metadata.get("License-Expression") or own.metadata.get("License") or "",
        "repository": _project_url(own),
        "closure_distributions": len(seen),
        "closure": sorted(f"{d.metadata['Name']} {d.version}" for d in seen.values()),
        "install_bytes": _installed_bytes(_canonical(distribution)),
        "closure_install_bytes": sum(_installed_bytes(name) for name in seen),
        "source": "importlib.metadata",
    }


@functools.cache
def _installed_bytes(name: str) -> int:
    """Bytes of one installed distribution's files. Cached: the closures of several frameworks share torch
    (tens of thousands of files, most of phase 2's time when it was walked once per framework)."""
    dist = metadata.distribution(name)
    base = str(dist.locate_file(""))
    total = 0
    for f in dist.files or []:
        try:
            info = os.stat(os.path.join(base, str(f)))
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            total += info.st_size
    return total


def _project_url(dist: metadata.Distribution) -> str:
    urls = dist.metadata.get_all("Project-URL") or []
    for wanted in ("source", "repository", "source code", "homepage"):
        for entry in urls:
            label, _, url = entry.partition(",")
            if label.strip().lower() == wanted:
                return url.strip()
    return dist.metadata.get("Home-page") or ""


def count_lines(patterns: list[str] | tuple[str, ...], root: Path | None = None) -> dict[str, Any]:
    """Code and comment lines per file of the given globs, counted by pygount (blank lines left out)."""
    from pygount import SourceAnalysis

    base = root or project_root()
    files: dict[str, dict[str, int]] = {}
    for pattern in patterns:
        for path in sorted(glob.glob(str(base / pattern))):
            rel = str(Path(path).relative_to(base))
            analysis = SourceAnalysis.from_file(path, "pairbench", encoding="utf-8")
            files[rel] = {"code": int(analysis.code_count), "comment": int(analysis.documentation_count)}
    return {
        "tool": f"pygount {metadata.version('pygount')}",
        "files": files,
        "code_lines": sum(f["code"] for f in files.values()),
        "comment_lines": sum(f["comment"] for f in files.values()),
    }


def build_cost_benchmark(root: Path | None = None) -> dict[str, Any]:
    """Cold and incremental build times measured by benchmarks/build_cost.py on this machine, if run."""
    path = (root or project_root()) / BUILD_COST_FILE
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def framework_facts(
    name: str, fw: dict[str, Any], record: dict[str, Any], meta: dict[str, Any] | None
) -> dict[str, Any]:
    """Identity, build cost and effort of one framework (`fw`: its frameworks.yaml entry, `record`: phase 2's)."""
    facts: dict[str, Any] = {"language": fw["language"]}
    if fw.get("package"):
        facts["python"] = python_closure(fw["package"])
    if fw.get("crate") and meta is not None:
        facts["crate"] = crate_identity(meta, fw["crate"])
        pkg = workspace_package(meta, binary=fw.get("binary", ""), lib=fw.get("module", ""))
        if pkg is not None:
            closure = crate_closure(meta, pkg["id"])
            facts["cargo_package"] = pkg["name"]
            facts["crate_count"] = len(closure)
    identity = facts.get("crate") or facts.get("python") or {}
    facts["version"] = identity.get("version", record.get("version", ""))
    facts["license"] = identity.get("license") or fw.get("license", "")
    facts["repository"] = identity.get("repository") or fw.get("homepage", "")
    if fw.get("binary"):
        facts["binary_size_bytes"] = record.get("binary_size_bytes")
        facts["build_seconds_phase2"] = record.get("build_seconds")
    cold = build_cost_benchmark().get("frameworks", {}).get(name)
    if cold:
        facts["build_cost_benchmark"] = cold
    if fw.get("sources"):
        facts["effort"] = count_lines(fw["sources"])
    return facts
