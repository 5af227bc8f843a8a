"""Phase 3: materialise every selected dataset once as .npy + manifest.json (sha256)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.cli.common import read_json
from pairbench.core.registry import get_cell_preparer
from pairbench.datasets.materialise import DatasetSpec, materialise


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--selection", type=Path, required=True)
    parser.add_argument("--out-dir", type=Path, default=Path("data"))


def run(args: argparse.Namespace) -> int:
    selection = read_json(args.selection)
    defaults = selection["defaults"]
    for name, spec in selection["datasets"].items():
        manifest = materialise(
            DatasetSpec(**spec),
            args.out_dir / name,
            seed=int(defaults["seed"]),
            test_fraction=float(defaults["test_fraction"]),
            dtype=str(defaults["dtype"]),
            cv_folds=int(selection.get("params", {}).get("cv_folds") or 0),
        )
        print(
            f"{name}: train {manifest['n_train']} x {manifest['n_features']}, test {manifest['n_test']}, "
            f"sha256 {manifest['sha256'][:12]}"
        )
    # Per-cell artefacts every side reads (deep learning: the shared initial weights and batch order).
    for cell in selection.get("cells", []):
        prepare = get_cell_preparer(cell["domain"])
        if prepare is not None:
            print(f"{cell['cell_id']}: prepared {prepare(cell, args.out_dir)}")
    return 0
