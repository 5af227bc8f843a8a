"""Tests that need root, made impossible to miss (pytest plugin, loaded by tests/conftest.py).

The one-node Slurm cluster (tests/test_slurm.py) and the full disk (a tmpfs, tests/test_fault_tolerance.py)
need root; without it their fixtures skip. A skipped test is easy to miss in a green run of hundreds, so:
- whenever one of them was skipped, the terminal summary says so in one loud line, with each reason;
- `pytest --root-only` runs only those tests, and a skip among them is an error: CI runs it under sudo
  after `make test` (.github/workflows/ci.yml), so a green CI run has exercised both paths.

A test is root-only when it uses one of ROOT_ONLY_FIXTURES, directly or through another fixture.
tests/test_ci.py holds that every fixture that checks for root is named here.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

# Fixture -> what a test that uses it exercises.
ROOT_ONLY_FIXTURES = {
    "slurm": "the Slurm path",
    "small_disk": "the full-disk path",
}
_ROOT_ONLY = pytest.StashKey[dict[str, str]]()
_PROPERTY = "root_only"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--root-only",
        action="store_true",
        help="run only the tests that need root (" + ", ".join(ROOT_ONLY_FIXTURES.values()) + "); "
        "a skip among them is an error",
    )


# First, so that the root-only tests are known before `-m`/`-k` deselect any of them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root_only = {}
    for item in items:
        paths = [path for name, path in ROOT_ONLY_FIXTURES.items() if name in getattr(item, "fixturenames", ())]
        if paths:
            root_only[item.nodeid] = " and ".join(paths)
    config.stash[_ROOT_ONLY] = root_only
    if config.getoption("root_only"):
        deselected = [item for item in items if item.nodeid not in root_only]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if item.nodeid in root_only]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport]:
    report = yield
    path = item.config.stash[_ROOT_ONLY].get(item.nodeid)
    if path is None:
        return report
    # Carried on the report: under pytest-xdist the summary is written by a process that collected nothing.
    report.user_properties.append((_PROPERTY, path))
    if report.skipped and item.config.getoption("root_only"):
        report.outcome = "failed"
        report.longrepr = f"--root-only: this test must run here, but it was skipped: {_reason(report)}"
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if _PROPERTY in dict(r.user_properties)]
    if not skipped:
        return
    names = ", ".join(dict.fromkeys(r.nodeid.rsplit("::", 1)[-1] for r in skipped))
    paths = " and ".join(dict.fromkeys(p for r in skipped for p in dict(r.user_properties)[_PROPERTY].split(" and ")))
    terminalreporter.write_sep(
        "!", f"ROOT-ONLY TESTS SKIPPED: {names} — run as root to exercise {paths}", red=True, bold=True
    )
    for report in skipped:
        terminalreporter.write_line(f"{report.nodeid}: {_reason(report)}", red=True)


def _reason(report: pytest.TestReport) -> str:
    # A skip's longrepr is (file, line, "Skipped: <reason>").
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")
