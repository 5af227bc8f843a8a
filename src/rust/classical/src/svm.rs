//! The SVM kernel mapping shared by SVC, nu-SVC, SVR and nu-SVR (mirror of
//! `pairbench.tasks.classical.kernels`).
//!
//! scikit-learn's rbf `exp(-gamma ||x-y||²)` is linfa's Gaussian with `eps = 1/gamma`. linfa's polynomial
//! kernel `(<x,y> + c)^d` has no gamma, so the records are scaled by `sqrt(gamma)` before the kernel sees
//! them: `(<√γx, √γy> + coef0)^d = (γ<x,y> + coef0)^d`, sklearn's poly kernel, exactly.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use linfa_kernel::{Kernel, KernelMethod, KernelParams};
use ndarray::{Array2, ArrayView2};
use pairbench_core::cell::Cell;
use serde_json::{json, Value};

/// A kernel as linfa builds it, plus the factor the records are multiplied by first.
#[derive(Debug, Clone)]
pub struct KernelSpec {
    pub method: KernelMethod<f64>,
    pub input_scale: f64,
}

impl KernelSpec {
    pub fn from_cell(cell: &Cell) -> Result<Self> {
        let kernel = cell
            .params
            .get("kernel")
            .and_then(Value::as_str)
            .unwrap_or("linear");
        Self::new(kernel, &|k| cell.param_f64(k))
    }

    pub fn new(kernel: &str, param: &dyn Fn(&str) -> Result<f64>) -> Result<Self> {
        Ok(match kernel {
            "linear" => Self {
                method: KernelMethod::Linear,
                input_scale: 1.0,
            },
            "rbf" => Self {
                method: KernelMethod::Gaussian(1.0 / param("gamma")?),
                input_scale: 1.0,
            },
            "poly" => Self {
                method: KernelMethod::Polynomial(param("coef0")?, param("degree")?),
                input_scale: param("gamma")?.sqrt(),
            },
            other => bail!("unknown kernel {other:?}; allowed: linear, rbf, poly"),
        })
    }

    pub fn params(&self) -> KernelParams<f64> {
        Kernel::params().method(self.method.clone())
    }

    /// The records the kernel is applied to (a copy only when a scale is needed).
    pub fn prepare(&self, x: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
        (self.input_scale != 1.0).then(|| &x * self.input_scale)
    }

    /// The kernel matrix linfa's SVM is trained on, K(X, X) (for the mapping test).
    pub fn matrix(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let scaled = self.prepare(x);
        let records = scaled.as_ref().map_or(x.view(), |s| s.view());
        let n = records.nrows();
        Array2::from_shape_fn((n, n), |(i, j)| {
            self.method.distance(records.row(i), records.row(j))
        })
    }

    pub fn metadata(&self) -> BTreeMap<String, Value> {
        let method = match self.method {
            KernelMethod::Linear => json!({"method": "Linear"}),
            KernelMethod::Gaussian(eps) => json!({"method": "Gaussian", "eps": eps}),
            KernelMethod::Polynomial(c, d) => {
                json!({"method": "Polynomial", "constant": c, "degree": d})
            }
        };
        BTreeMap::from([
            ("linfa_kernel".to_string(), method),
            ("input_scale".to_string(), Value::from(self.input_scale)),
            (
                "solver".to_string(),
                Value::from("linfa-svm SMO, dense precomputed kernel, max_iter max(1e7, 100n)"),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn params<'a>(map: &'a [(&'a str, f64)]) -> impl Fn(&str) -> Result<f64> + 'a {
        move |k| {
            map.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| *v)
                .ok_or_else(|| anyhow::anyhow!("no {k}"))
        }
    }

    #[test]
    fn rbf_matches_sklearn_definition() {
        // ||x0 - x1||² = 1 + 4 = 5; sklearn rbf with gamma 0.1: exp(-0.5).
        let x = array![[0.0, 0.0], [1.0, 2.0]];
        let k = KernelSpec::new("rbf", &params(&[("gamma", 0.1)]))
            .unwrap()
            .matrix(x.view());
        assert!((k[[0, 1]] - (-0.5f64).exp()).abs() < 1e-15);
        assert!((k[[1, 1]] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn poly_matches_sklearn_definition() {
        // <x0, x1> = 1*3 + 2*4 = 11; sklearn poly gamma 0.5, coef0 1, degree 3: (5.5 + 1)^3.
        let x = array![[1.0, 2.0], [3.0, 4.0]];
        let spec = KernelSpec::new(
            "poly",
            &params(&[("gamma", 0.5), ("coef0", 1.0), ("degree", 3.0)]),
        )
        .unwrap();
        let k = spec.matrix(x.view());
        assert!((k[[0, 1]] - 6.5f64.powi(3)).abs() < 1e-10, "{}", k[[0, 1]]);
    }

    #[test]
    fn unknown_kernel_is_an_error() {
        assert!(KernelSpec::new("sigmoid", &params(&[])).is_err());
    }
}
