"""The methods section: how every number was measured and tested, as plain lines (report.json's
`methods`, report.md's list and the page's). The fairness rules are written once, filled from the run."""

from __future__ import annotations

from typing import Any

from pairbench.report.classical import classical_methods
from pairbench.report.llm import llm_methods

FAIRNESS_RULES = [
    (
        "Same bytes",
        "every dataset was generated or loaded once by Python (seed {seed}), split, standardised on the "
        "training split where configured, and written as .npy with a sha256 manifest; every side verified every "
        "checksum before running.",
    ),
    (
        "Same threads",
        "OMP/MKL/OpenBLAS/BLIS/RAYON thread variables and threadpoolctl were set to {threads} on every "
        "side and recorded in every result; benchmark launches ran {parallel}.",
    ),
    (
        "Same hyper-parameters",
        "spelled out in config/benchmarks.yaml and passed to every side in one cell file.",
    ),
    ("Same precision", "{dtype} on every side."),
    (
        "Timed region",
        "{phases} only; {warmup} warm-up repetitions discarded, {samples} timed repetitions per launch, "
        "{launches} independent process launches per side; process start, imports, data loading and checksum "
        "verification excluded.",
    ),
    ("Release builds", "Rust built with cargo --release; {rustc}."),
    (
        "Quality gate",
        "before timing, every side ran once on the real split; a cell whose sides differ by more than "
        "the task's tolerance, or fail its floor, is reported as not comparable and not timed.",
    ),
]


def methods_lines(
    selection: dict[str, Any], environment: dict[str, Any], analysis: dict[str, Any], phases: list[str]
) -> list[str]:
    p = selection.get("params", {})
    s = analysis.get("settings", {})
    par = p.get("max_parallel_benchmarks", 1)
    facts = {
        "seed": selection.get("defaults", {}).get("seed"),
        "threads": p.get("threads"),
        "parallel": "one at a time" if par == 1 else f"up to {par} at once",
        "dtype": selection.get("defaults", {}).get("dtype"),
        "phases": ", ".join(phases) or "the timed phases",
        "warmup": p.get("warmup"),
        "samples": p.get("samples"),
        "launches": p.get("launches"),
        "rustc": environment.get("rust", {}).get("rustc", "rustc version unknown"),
    }
    lines = [f"{name}: {text.format(**facts)}" for name, text in FAIRNESS_RULES]
    rank = analysis.get("analysis_config", {}).get("ranking", {})
    lines += [
        f"Per series: median with a {s.get('confidence', 0.95):.0%} percentile bootstrap CI ({s.get('resamples')} "
        "resamples, samples pooled over launches), CV, and pyperf's instability rules (fewer than "
        f"{s.get('min_samples', 10)} samples, std ≥ 10% of the mean, min or max ≥ 50% from the mean). Beside the "
        "CV, which one preemption spike can dominate: MAD/median and IQR, Tukey-fence outlier counts (mild: 1.5 to "
        "3 IQR beyond the quartiles, severe: beyond 3, as criterion.rs), the CV of the per-launch medians "
        "(between launches), the median per-launch CV (within launches) and launch 1's median over the others' "
        "(a slow first launch).",
        "Per pair (candidate/reference, the first framework of a domain being the reference of all others): "
        "Shapiro-Wilk on each side; Welch's t and Mann-Whitney U both reported, the primary test being Welch where "
        "neither side rejects normality and Mann-Whitney otherwise; a paired t-test where both sides ran the same "
        f"≥ 2 seeds or folds; Holm (used by the verdict) and Bonferroni over the family of {analysis.get('n_cmp', 0)} "
        "comparisons; Cohen's d and Cliff's delta with magnitude labels; ratio of medians with a bootstrap CI.",
        f"Verdict (criterion.rs rule): p_holm < {s.get('alpha')} and the whole ratio CI outside the "
        f"±{s.get('noise', 0.02):.1%} noise band → faster/slower; otherwise no meaningful difference. The band is "
        "max(--noise, the machine's noise floor measured in phase 3: the robust CV, 1.4826 x MAD/median, of 30 "
        "timings of a calibrated ~2 ms busy loop in each harness, pinned like a launch; the larger of the two), "
        "at most ±50% (beyond that, the rule could call nothing faster)"
        + (
            f"; here --noise {nb['requested']:.1%}, floor {nb['measured_floor']:.1%}."
            if (nb := analysis.get("noise_band") or {}).get("measured_floor") is not None
            else "; no floor was measured for this analysis."
        ),
        "Timing protocol (both harnesses): each measured process pinned to `threads` CPUs (sched_setaffinity, "
        "recorded per result; $PAIRBENCH_PIN_CPUS=off disables it). Phase-major: every phase is warmed up and timed "
        "in its own loop, so 'predict' is predicting with a fitted model in a steady loop, not right after a fit; "
        "the estimator a fit starts from is cloned outside the timer. Warm-up: at least the requested calls and, "
        "when any, until 0.1 s has run (at most 1,000 calls). Calls shorter than the timer's credible floor "
        "(100 µs in Python, 20 µs in Rust) are timed in batches and each sample is the batch time ÷ batch size "
        "(recorded). Deep-learning cells keep the per-repetition order (a training epoch changes the model) with "
        "exactly the requested warm-up and no batching; latency phases are never batched.",
        f"Power: repetitions per side needed to detect a {s.get('effect', 0.05):.0%} change in time at "
        f"{s.get('power', 0.8):.0%} power, from the pilot spread of log times; series and pairs with fewer "
        "are flagged.",
        "Geometric-mean speed-up per domain, pair and phase: percentile bootstrap that resamples the cells and, "
        "within each drawn cell, its samples (two levels), on the log scale. Below "
        f"{s.get('geomean_min_cells', 3)} cells no pooled interval is shown, only each cell's own ratio and CI; a "
        f"pooled interval wider than a factor of {s.get('geomean_max_ci_factor', 4.0):g} (high/low) is shown with "
        "a warning.",
        f"Rankings: weighted score with weights {rank.get('weights')}, Borda count over cells, Bradley-Terry "
        f"(MM algorithm, {rank.get('bt_prior_wins')} prior wins each way) and Elo (K = {rank.get('elo_k')}) from "
        "pairwise speed outcomes (faster = win, no meaningful difference = draw); Pareto front over relative time, "
        "relative peak memory and quality.",
    ]
    machine = analysis.get("machine")
    if machine:
        lines.append(
            f"Cost: machine '{machine['name']}' ({machine['cores']} cores, ${machine['price_per_hour_usd']}/h, "
            f"TDP {machine['tdp_watts']} W); cost = wall time x price x cores used / cores. Energy is RAPL "
            "when a result carries it, else an estimate from CPU-seconds x TDP / cores (labelled)."
        )
    lines += classical_methods(selection)
    lines += llm_methods(selection)
    lines += node_lines(analysis)
    return lines


def node_lines(analysis: dict[str, Any]) -> list[str]:
    """Which node (hostname, CPU model) ran which launches, and the cells refused for mixing CPU models."""
    ran: dict[tuple[str, str], list[str]] = {}
    for n in analysis.get("nodes") or []:
        ran.setdefault((n["host"], n["cpu_model"]), []).append(f"{n['framework']} ({n['launches']})")
    lines = [
        f"Node {host} ({cpu}) ran the launches of: {', '.join(frameworks)}."
        for (host, cpu), frameworks in sorted(ran.items())
    ]
    if len({cpu for _, cpu in ran}) > 1:
        lines.append("Launches ran on more than one CPU model: samples are compared only within one CPU model.")
    mixed = analysis.get("mixed_cpu_models") or {}
    if mixed:
        lines.append(
            f"Not compared (mixed_cpu_models): {len(mixed)} cell(s) whose launches ran on more than one CPU "
            f"model, listed under Failures: {', '.join(sorted(mixed))}."
        )
    return lines

