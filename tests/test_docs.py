"""docs/usage.md's parameter tables are generated (`make docs`) and cannot drift from their sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pairbench.configuration.config import ConfigError
from pairbench.configuration.params_doc import (
    allowed_values,
    fill,
    generated_blocks,
    main,
    marker,
    params_table,
    profile_files,
    profile_params,
    profiles_table,
)
from pairbench.configuration.run_defaults import schema_properties
from pairbench.core.paths import project_root

ROOT = project_root()
USAGE = ROOT / "docs" / "usage.md"


def _block(page: str, name: str) -> str:
    return page.split(marker(name))[1].split(marker(name, end=True))[0]


def test_usage_tables_equal_what_the_sources_give() -> None:
    page = USAGE.read_text(encoding="utf-8")
    assert fill(page, generated_blocks()) == page, "docs/usage.md: parameter tables are stale; run `make docs`"


def test_every_schema_param_has_its_row() -> None:
    schema = json.loads((ROOT / "nextflow_schema.json").read_text(encoding="utf-8"))
    rows = [
        line for line in _block(USAGE.read_text(encoding="utf-8"), "params").splitlines() if line.startswith("| `--")
    ]
    named = [row.split("`")[1].removeprefix("--") for row in rows]
    assert sorted(named) == sorted(schema_properties(schema))
    # Every row has the five cells of its header, whatever a description or a pattern holds.
    assert all(row.replace("\\|", "").count("|") == 6 for row in rows), rows


def test_every_profile_of_nextflow_config_is_read() -> None:
    files = profile_files((ROOT / "nextflow.config").read_text(encoding="utf-8"))
    assert set(files) == {"standard", "smoke", "full", "slurm", "slurm_test"}
    smoke = profile_params((ROOT / files["smoke"]).read_text(encoding="utf-8"))
    assert smoke["max_parallel_benchmarks"] == "2" and smoke["datasets"].startswith("'diabetes,")
    # slurm and slurm_test set executor options only: no column of their own.
    header = next(line for line in _block(USAGE.read_text(encoding="utf-8"), "profiles").splitlines() if "|" in line)
    assert "`smoke`" in header and "`slurm" not in header


def test_allowed_values_show_enum_words_range_and_alternatives() -> None:
    assert allowed_values({"enum": ["first", "all"]}) == "`first`, `all`"
    assert allowed_values({"pattern": "^x$", "errorMessage": "allowed: x only"}) == "x only"
    assert allowed_values({"exclusiveMinimum": 0, "maximum": 1}) == "> 0 and ≤ 1"
    assert allowed_values({"minimum": 2, "maximum": 20}) == "2 to 20"
    assert allowed_values({"anyOf": [{"const": 0}, {"minimum": 2, "maximum": 20}]}) == "`0` or 2 to 20"
    assert allowed_values({"pattern": "^(a|b)$"}) == "matching `^(a|b)$`"


def _schema(**prop: object) -> dict:
    return {"$defs": {"g": {"title": "G", "properties": {"p": {"type": "string", **prop}}}}, "allOf": []}


def test_a_keyword_the_table_cannot_show_fails_the_generator() -> None:
    with pytest.raises(ConfigError) as err:
        params_table(_schema(format="file-path", minLength=1))
    assert err.value.problems == [
        "nextflow_schema.json: --p: keyword(s) format, minLength not shown by the parameter table; "
        "allowed: anyOf, const, default, description, enum, errorMessage, exclusiveMaximum, exclusiveMinimum, "
        "maximum, minimum, pattern, type (extend pairbench.configuration.params_doc)"
    ]


def test_a_pipe_in_a_pattern_stays_in_its_cell() -> None:
    row = params_table(_schema(pattern="^(auto|cpu)$")).splitlines()[-1]
    assert row == "| `--p` | string | unset | matching `^(auto\\|cpu)$` |  |"


def test_a_profile_setting_an_unknown_param_is_named() -> None:
    schema = _schema()
    with pytest.raises(ConfigError) as err:
        profiles_table(schema, {"smoke": {"noise": "0.02"}, "slurm": {}})
    assert err.value.problems == ["conf/smoke.config: params.noise: not a param of nextflow_schema.json; allowed: p"]


def test_profile_params_skip_comments_and_other_blocks() -> None:
    text = "process { cpus = 4 }\nparams {\n    url = 'http://x//y'  // a comment\n    // n = 3\n    m = 5\n}\nk = 1\n"
    assert profile_params(text) == {"url": "'http://x//y'", "m": "5"}


def test_missing_markers_and_a_stale_page_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        fill("no markers here", {"params": "x", "profiles": "y"})
    assert len(err.value.problems) == 2 and "'<!-- params:start -->'" in err.value.problems[0]

    page = tmp_path / "usage.md"
    page.write_text(USAGE.read_text(encoding="utf-8").replace("| `--outdir`", "| `--outdir_typo`"), encoding="utf-8")
    assert main(["--page", str(page), "--check"]) == 1
    assert main(["--page", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == USAGE.read_text(encoding="utf-8")
    assert main(["--page", str(page), "--check"]) == 0
