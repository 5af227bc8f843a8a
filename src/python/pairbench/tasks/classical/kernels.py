"""One statement of how the catalogue's SVM kernel parameters map onto each library.

scikit-learn: rbf K = exp(-gamma ||x-y||^2), poly K = (gamma <x,y> + coef0)^degree, linear K = <x,y>.
linfa-kernel: Gaussian(eps) K = exp(-||x-y||^2 / eps), Polynomial(c, d) K = (<x,y> + c)^d (no gamma).
So eps = 1/gamma, and for poly the Rust side feeds sqrt(gamma)·x, making <x',y'> = gamma <x,y> exactly;
c = coef0, d = degree. tests/test_kernels.py checks both sides' kernel matrices agree on the same data.
"""

from __future__ import annotations

from typing import Any

KERNELS = ("linear", "rbf", "poly")


def sklearn_kernel_args(params: dict[str, Any]) -> dict[str, Any]:
    kernel = str(params.get("kernel", "linear"))
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; allowed: {', '.join(KERNELS)}")
    args: dict[str, Any] = {"kernel": kernel}
    if kernel in ("rbf", "poly"):
        args["gamma"] = float(params["gamma"])
    if kernel == "poly":
        args["degree"] = int(params["degree"])
        args["coef0"] = float(params["coef0"])
    return args


def linfa_kernel_args(params: dict[str, Any]) -> dict[str, Any]:
    """What the Rust side builds (mirrors src/rust/classical/src/svm.rs::kernel); recorded in metadata."""
    kernel = str(params.get("kernel", "linear"))
    if kernel == "rbf":
        return {"method": "Gaussian", "eps": 1.0 / float(params["gamma"])}
    if kernel == "poly":
        return {
            "method": "Polynomial",
            "constant": float(params["coef0"]),
            "degree": float(params["degree"]),
            "input_scale": float(params["gamma"]) ** 0.5,
        }
    return {"method": "Linear"}
