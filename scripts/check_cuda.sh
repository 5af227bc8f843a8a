#!/usr/bin/env bash
# Check the CUDA path on a GPU machine without Nextflow: select the same deep cells on cpu and cuda,
# materialise their data and shared start, launch the given sides, and summarise (cpu vs cuda per cell).
# Phase 1 keeps a cell only when at least two of its sides can run here (Rust binaries built, or cargo
# on PATH to build them), even when SIDES names fewer.
# Usage: scripts/check_cuda.sh OUT_DIR [SIDES] [ALGORITHMS] [DATASETS]
set -euo pipefail
out=${1:?usage: scripts/check_cuda.sh OUT_DIR [SIDES] [ALGORITHMS] [DATASETS]}
sides=${2:-pytorch}
algorithms=${3:-lenet,resnet18,lstm}
datasets=${4:-digits,synthetic_sequences}
launches=3

pb() { python3 -m pairbench.cli.main "$@"; }

mkdir -p "$out/raw"
cat >"$out/params.json" <<EOF
{"outdir": "$out", "domains": "deep_learning", "algorithms": "$algorithms", "datasets": "$datasets",
 "devices": "cpu,cuda", "launches": $launches, "samples": 5, "warmup": 1}
EOF
pb select --benchmarks config/benchmarks.yaml --frameworks config/frameworks.yaml \
    --params "$out/params.json" --run-id cuda-check --out-dir "$out/selection"
pb datasets --selection "$out/selection/selection.json" --out-dir "$out/data"
for cell in "$out"/selection/cells/*.json; do
    name=$(basename "$cell" .json)
    for side in ${sides//,/ }; do
        for launch in $(seq 1 $launches); do
            echo "[check_cuda] $name $side #$launch"
            pb launch --cell "$cell" --side "$side" --launch "$launch" --data-dir "$out/data" \
                --out "$out/raw/$name.$side.$launch.json" --max-attempts 1 --timeout 600
        done
    done
done
pb analyse --results-dir "$out/raw" --out-dir "$out/analysis" --no-figures
