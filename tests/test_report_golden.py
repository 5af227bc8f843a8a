"""The report's content does not change by accident: a fixed fixture (the analysis outputs, selection,
environment and implementations of a real smoke run, tests/fixtures/report) renders to exactly the
report.json that was rendered from it before the report was rebuilt on templates, byte for byte.

A deliberate change of content regenerates the expected file:
    pairbench report --analysis-dir analysis --selection selection.json --environment environment.json \
        --implementations implementations.json --scaling-dir scaling --out-dir OUT   (in tests/fixtures/report)
    python -c "import gzip,sys; open('expected_report.json.gz','wb').write(gzip.compress(open(sys.argv[1],'rb')\
.read(), mtime=0))" OUT/report.json
"""

from __future__ import annotations

import difflib
import gzip
from pathlib import Path

import pytest

from pairbench.cli.main import main
from tests.synthetic_results import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "report"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    # The same command line as modules/local/render_report.nf.
    rc = main(["report", "--analysis-dir", str(FIXTURE / "analysis"), "--selection", str(FIXTURE / "selection.json"),
               "--environment", str(FIXTURE / "environment.json"),
               "--implementations", str(FIXTURE / "implementations.json"),
               "--scaling-dir", str(FIXTURE / "scaling"), "--out-dir", str(out)])
    assert rc == 0
    return out


def test_report_json_is_byte_identical_on_the_fixture(rendered: Path) -> None:
    expected = gzip.decompress((FIXTURE / "expected_report.json.gz").read_bytes())
    got = (rendered / "report.json").read_bytes()
    if got != expected:
        diff = difflib.unified_diff(expected.decode().splitlines(), got.decode().splitlines(), "expected", "got",
                                    lineterm="", n=2)
        pytest.fail("report.json changed:\n" + "\n".join(list(diff)[:60]))
