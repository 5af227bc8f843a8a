"""The names a run asks for: its --domains, --algorithms and --datasets lists checked against the catalogue
(every unknown name listed with what is allowed), and what an A/A run adds to them."""

from __future__ import annotations

from pairbench.configuration.catalogue import Catalogue, ConfigError
from pairbench.core.names import shown


def _wanted(spec: str, known: list[str], key: str, default: set[str] | None = None) -> set[str]:
    """The names a --key list selects; `all` is `default` when given (every known name otherwise)."""
    if spec in ("all", "", "*"):
        return set(known) if default is None else default
    names = {s.strip() for s in spec.split(",") if s.strip()}
    unknown = sorted(names - set(known))
    if unknown:
        raise ConfigError(
            [
                f"params: --{key}: unknown name(s) {', '.join(map(shown, unknown))}; allowed: all, "
                + ", ".join(sorted(known))
            ]
        )
    return names


def wanted_algorithms(catalogue: Catalogue, spec: str) -> set[str]:
    """--algorithms: `all` is every algorithm but the fixtures (seeded test models), which run only by name."""
    known = sorted({a for t in catalogue.tasks for a in t.algorithms})
    fixtures = {a for t in catalogue.tasks for a in t.fixtures}
    return _wanted(spec, known, "algorithms", default=set(known) - fixtures)


# Cells that check the verdict design itself: they run in A/A runs (--aa true), or when named.
CALIBRATION_DOMAIN = "calibration"


def wanted_names(
    catalogue: Catalogue, domains_spec: str, algorithms_spec: str, datasets_spec: str, aa: bool
) -> tuple[set[str], set[str], set[str]]:
    """--domains, --algorithms and --datasets; an A/A run (--aa) also runs the calibration domain's
    known-effect cells (analysis/calibration.py), whatever the lists name (smoke's datasets, for one)."""
    domains = _wanted(domains_spec, sorted({t.domain for t in catalogue.tasks}), "domains")
    algos = wanted_algorithms(catalogue, algorithms_spec)
    dsets = _wanted(datasets_spec, sorted(catalogue.datasets), "datasets")
    calibration = [t for t in catalogue.tasks if t.domain == CALIBRATION_DOMAIN] if aa else []
    domains |= {t.domain for t in calibration}
    algos |= {a for t in calibration for a in t.algorithms}
    dsets |= {d for t in calibration for d in t.datasets}
    return domains, algos, dsets
