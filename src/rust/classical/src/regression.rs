//! Regression with linfa. One function per algorithm, listed once in [`ALGORITHMS`].
//!
//! Parameters use the elastic-net parametrisation shared with the Python side:
//! `1/(2n) ||y - Xw||² + alpha (l1_ratio ||w||₁ + (1 - l1_ratio)/2 ||w||²)`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_elasticnet::{ElasticNet, ElasticNetParams};
use linfa_linear::{FittedLinearRegression, LinearRegression};
use linfa_svm::Svm;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use ndarray_npy::WriteNpyExt;
use pairbench_core::cell::{lookup, Cell};
use pairbench_core::dataset::Split;
use pairbench_core::metrics::regression_quality;
use pairbench_core::runner::Benchmark;
use serde_json::Value;

use crate::svm::KernelSpec;

/// The training data a fitter sees: views, so the Python binding passes numpy's memory without a copy.
pub type TrainSet<'a> = DatasetBase<ArrayView2<'a, f64>, ArrayView1<'a, f64>>;

/// A fitted model: predicts and says what it converged to.
pub trait Fitted {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Array1<f64>;
    fn metadata(&self) -> BTreeMap<String, Value> {
        BTreeMap::new()
    }
}

/// Builds a fresh, unfitted model from the cell's parameters and fits it (the timed `fit` phase).
pub type Fitter = Box<dyn Fn(&TrainSet<'_>) -> Result<Box<dyn Fitted>>>;

/// Reads the cell's parameters and returns the fitter for one algorithm.
pub type Builder = fn(&Cell) -> Result<Fitter>;

/// The registry: adding an algorithm is one function and one line here.
pub const ALGORITHMS: &[(&str, Builder)] = &[
    ("linear", linear),
    ("ridge", ridge),
    // The same fit: scikit-learn's side of this pair is its coordinate descent, not its closed form.
    ("ridge_cd", ridge),
    ("lasso", lasso),
    ("elastic_net", elastic_net),
    ("svr", svr),
    ("nusvr", nusvr),
];

impl Fitted for FittedLinearRegression<f64> {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        linfa::traits::Predict::predict(self, &x)
    }
}

impl Fitted for ElasticNet<f64> {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        linfa::traits::Predict::predict(self, &x)
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("n_iter".to_string(), Value::from(self.n_steps())),
            ("duality_gap".to_string(), Value::from(self.duality_gap())),
        ])
    }
}

/// Ordinary least squares.
fn linear(cell: &Cell) -> Result<Fitter> {
    let intercept = cell.param_bool("fit_intercept")?;
    Ok(Box::new(move |ds| {
        let model = LinearRegression::new()
            .with_intercept(intercept)
            .fit(ds)
            .context("linfa OLS fit")?;
        Ok(Box::new(model) as Box<dyn Fitted>)
    }))
}

fn coordinate_descent(cell: &Cell, l1_ratio: f64) -> Result<Fitter> {
    let params: ElasticNetParams<f64> = ElasticNet::params()
        .penalty(cell.param_f64("alpha")?)
        .l1_ratio(l1_ratio)
        .with_intercept(cell.param_bool("fit_intercept")?)
        .tolerance(cell.param_f64("tol")?)
        .max_iterations(cell.param_u32("max_iter")?);
    Ok(Box::new(move |ds| {
        let model = params.fit(ds).context("linfa elastic-net fit")?;
        Ok(Box::new(model) as Box<dyn Fitted>)
    }))
}

/// L2 penalty only (elastic net with l1_ratio = 0), by coordinate descent.
fn ridge(cell: &Cell) -> Result<Fitter> {
    coordinate_descent(cell, 0.0)
}

/// L1 penalty only (l1_ratio = 1).
fn lasso(cell: &Cell) -> Result<Fitter> {
    coordinate_descent(cell, 1.0)
}

fn elastic_net(cell: &Cell) -> Result<Fitter> {
    coordinate_descent(cell, cell.param_f64("l1_ratio")?)
}

/// A fitted SVR and the kernel it was built with (records are rescaled the same way to predict).
struct FittedSvr {
    model: Svm<f64, f64>,
    kernel: KernelSpec,
}

impl Fitted for FittedSvr {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Array1<f64> {
        let scaled = self.kernel.prepare(x);
        linfa::traits::Predict::predict(
            &self.model,
            &scaled.as_ref().map_or(x.view(), |s| s.view()),
        )
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut meta = self.kernel.metadata();
        meta.insert("n_support".into(), Value::from(self.model.nsupport()));
        meta
    }
}

fn support_vector_regression(cell: &Cell, nu: bool) -> Result<Fitter> {
    let kernel = KernelSpec::from_cell(cell)?;
    let c = cell.param_f64("C")?;
    let base = Svm::<f64, f64>::params()
        .with_kernel_params(kernel.params())
        .eps(cell.param_f64("tol")?)
        .shrinking(cell.param_bool("shrinking")?);
    let params = if nu {
        base.nu_svr(cell.param_f64("nu")?, Some(c))
    } else {
        base.c_svr(c, Some(cell.param_f64("epsilon")?))
    };
    let params = params.check().context("invalid SVR parameters")?;
    Ok(Box::new(move |ds| {
        let model = match kernel.prepare(ds.records().view()) {
            Some(x) => params.fit(&DatasetBase::new(x.view(), ds.targets().view())),
            None => params.fit(ds),
        }
        .context("linfa SVR fit")?;
        Ok(Box::new(FittedSvr {
            model,
            kernel: kernel.clone(),
        }) as Box<dyn Fitted>)
    }))
}

/// epsilon-SVR (libsvm's formulation): C and the epsilon-insensitive tube width.
fn svr(cell: &Cell) -> Result<Fitter> {
    support_vector_regression(cell, false)
}

/// nu-SVR: nu bounds the fraction of support vectors, C as in epsilon-SVR.
fn nusvr(cell: &Cell) -> Result<Fitter> {
    support_vector_regression(cell, true)
}

pub struct RegressionBenchmark {
    fitter: Fitter,
    x_train: Array2<f64>,
    y_train: Array1<f64>,
    x_test: Array2<f64>,
    y_test: Array1<f64>,
    model: Option<Box<dyn Fitted>>,
    predictions: Option<Array1<f64>>,
}

impl RegressionBenchmark {
    pub fn new(cell: &Cell, split: Split<f64>) -> Result<Self> {
        let build = lookup(ALGORITHMS, &cell.algorithm, "regression")?;
        Ok(Self {
            fitter: build(cell)?,
            x_train: split.x_train,
            y_train: split.y_train,
            x_test: split.x_test,
            y_test: split.y_test,
            model: None,
            predictions: None,
        })
    }
}

impl Benchmark for RegressionBenchmark {
    fn phases(&self) -> &'static [&'static str] {
        &["fit", "predict"]
    }

    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "fit" => {
                let train = DatasetBase::new(self.x_train.view(), self.y_train.view());
                self.model = Some((self.fitter)(&train)?)
            }
            "predict" => {
                let model = self.model.as_ref().context("predict before fit")?;
                self.predictions = Some(model.predict(self.x_test.view()));
            }
            other => anyhow::bail!("unknown phase {other:?}; allowed: fit, predict"),
        }
        Ok(())
    }

    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        let pred = self
            .predictions
            .as_ref()
            .context("quality before predict")?;
        Ok(regression_quality(self.y_test.view(), pred.view()))
    }

    fn write_predictions(&self, path: &Path) -> Result<()> {
        let pred = self.predictions.as_ref().context("no predictions yet")?;
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        pred.write_npy(file)
            .with_context(|| format!("writing {}", path.display()))
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        self.model
            .as_ref()
            .map(|m| m.metadata())
            .unwrap_or_default()
    }
}
