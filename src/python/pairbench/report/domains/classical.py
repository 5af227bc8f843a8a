"""Classical ML has no section of its own (its cross-validation and scaling study are core sections): it
adds its methods lines (report/classical.py)."""

from __future__ import annotations

from pairbench.report.classical import classical_methods
from pairbench.report.domains.base import DomainSection

SECTION = DomainSection("classical_ml", methods=classical_methods)
