//! Classification with linfa-svm, one-vs-rest. One function per algorithm, listed once in [`ALGORITHMS`].
//!
//! linfa's SVMs are binary: a K-class problem is K binary models (class c vs the rest), the prediction
//! is the class with the largest decision value; a two-class problem is one model whose positive class
//! is the larger label. The Python side uses scikit-learn's OneVsRestClassifier: the same problems.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_svm::{Svm, SvmValidParams};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use ndarray_npy::WriteNpyExt;
use pairbench_core::cell::{lookup, Cell};
use pairbench_core::dataset::Split;
use pairbench_core::metrics::classification_quality;
use pairbench_core::runner::Benchmark;
use serde_json::Value;

use crate::svm::KernelSpec;

/// A fitted classifier: decision values, one column per class (a single column for two classes).
pub trait FittedClassifier {
    fn decision(&self, x: ArrayView2<'_, f64>) -> Array2<f64>;
    fn metadata(&self) -> BTreeMap<String, Value> {
        BTreeMap::new()
    }
}

/// Builds and fits a fresh model on (records, labels, sorted classes): the timed `fit` phase.
/// Views, so the Python binding passes numpy's memory without a copy.
pub type Fitter = Box<
    dyn Fn(ArrayView2<'_, f64>, ArrayView1<'_, i64>, &[i64]) -> Result<Box<dyn FittedClassifier>>,
>;

/// Reads the cell's parameters and returns the fitter for one algorithm.
pub type Builder = fn(&Cell) -> Result<Fitter>;

/// The registry: adding an algorithm is one function and one line here.
pub const ALGORITHMS: &[(&str, Builder)] =
    &[("svc", svc), ("nusvc", nusvc), ("linearsvc", linearsvc)];

struct OneVsRest {
    models: Vec<Svm<f64, bool>>,
    kernel: KernelSpec,
}

impl FittedClassifier for OneVsRest {
    fn decision(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let scaled = self.kernel.prepare(x);
        let x = scaled.as_ref().map_or(x.view(), |s| s.view());
        let mut out = Array2::zeros((x.nrows(), self.models.len()));
        for (j, model) in self.models.iter().enumerate() {
            for (i, row) in x.outer_iter().enumerate() {
                out[[i, j]] = model.weighted_sum(&row) - model.rho;
            }
        }
        out
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut meta = self.kernel.metadata();
        meta.insert(
            "multiclass".into(),
            Value::from("one-vs-rest (same as the scikit-learn side)"),
        );
        meta.insert(
            "n_support".into(),
            self.models
                .iter()
                .map(|m| m.nsupport())
                .collect::<Vec<_>>()
                .into(),
        );
        meta
    }
}

fn one_vs_rest(params: SvmValidParams<f64, bool>, kernel: KernelSpec) -> Fitter {
    Box::new(move |x, y, classes| {
        let scaled = kernel.prepare(x);
        let records = scaled.as_ref().map_or(x.view(), |s| s.view());
        let positives: &[i64] = if classes.len() == 2 {
            &classes[1..]
        } else {
            classes
        };
        let models = positives
            .iter()
            .map(|&c| {
                let targets = y.mapv(|v| v == c);
                params
                    .fit(&DatasetBase::new(records, targets.view()))
                    .context("linfa SVM fit")
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Box::new(OneVsRest {
            models,
            kernel: kernel.clone(),
        }) as Box<dyn FittedClassifier>)
    })
}

fn base_params(
    cell: &Cell,
    kernel: &KernelSpec,
    shrinking: bool,
) -> Result<linfa_svm::SvmParams<f64, bool>> {
    Ok(Svm::<f64, bool>::params()
        .with_kernel_params(kernel.params())
        .eps(cell.param_f64("tol")?)
        .shrinking(shrinking))
}

/// C-SVC, kernels linear / rbf / poly.
fn svc(cell: &Cell) -> Result<Fitter> {
    let kernel = KernelSpec::from_cell(cell)?;
    let c = cell.param_f64("C")?;
    let params = base_params(cell, &kernel, cell.param_bool("shrinking")?)?
        .pos_neg_weights(c, c)
        .check()?;
    Ok(one_vs_rest(params, kernel))
}

/// nu-SVC: nu bounds the fraction of margin errors and support vectors.
fn nusvc(cell: &Cell) -> Result<Fitter> {
    let kernel = KernelSpec::from_cell(cell)?;
    let params = base_params(cell, &kernel, cell.param_bool("shrinking")?)?
        .nu_weight(cell.param_f64("nu")?)
        .check()?;
    Ok(one_vs_rest(params, kernel))
}

/// Linear SVM: linfa has no liblinear, so this is the SMO solver with a linear kernel (hinge loss, same C;
/// unlike liblinear it does not penalise the intercept). No shrinking (linfa's default).
fn linearsvc(cell: &Cell) -> Result<Fitter> {
    let kernel = KernelSpec::new("linear", &|k| cell.param_f64(k))?;
    let c = cell.param_f64("C")?;
    let params = base_params(cell, &kernel, false)?
        .pos_neg_weights(c, c)
        .check()?;
    Ok(one_vs_rest(params, kernel))
}

pub struct ClassificationBenchmark {
    fitter: Fitter,
    x_train: Array2<f64>,
    y_train: Array1<i64>,
    x_test: Array2<f64>,
    y_test: Array1<i64>,
    classes: Vec<i64>,
    model: Option<Box<dyn FittedClassifier>>,
    predictions: Option<Array1<i64>>,
    scores: Option<Array2<f64>>,
}

/// Labels from decision values: the sign for one column, else the class of the largest value.
pub fn labels_from(scores: &Array2<f64>, classes: &[i64]) -> Array1<i64> {
    if scores.ncols() == 1 {
        return scores
            .column(0)
            .mapv(|s| if s > 0.0 { classes[1] } else { classes[0] });
    }
    let argmax = |row: ArrayView1<f64>| {
        row.iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (j, &v)| {
                if v > best.1 {
                    (j, v)
                } else {
                    best
                }
            })
            .0
    };
    scores
        .outer_iter()
        .map(|row| classes[argmax(row)])
        .collect()
}

/// The sorted distinct labels; at least two.
pub fn classes_of(y: ArrayView1<'_, i64>) -> Result<Vec<i64>> {
    let mut classes: Vec<i64> = y.to_vec();
    classes.sort_unstable();
    classes.dedup();
    anyhow::ensure!(
        classes.len() >= 2,
        "classification needs at least two classes in y_train"
    );
    Ok(classes)
}

impl ClassificationBenchmark {
    pub fn new(cell: &Cell, split: Split<i64>) -> Result<Self> {
        let build = lookup(ALGORITHMS, &cell.algorithm, "classification")?;
        let classes = classes_of(split.y_train.view())?;
        Ok(Self {
            fitter: build(cell)?,
            x_train: split.x_train,
            y_train: split.y_train,
            x_test: split.x_test,
            y_test: split.y_test,
            classes,
            model: None,
            predictions: None,
            scores: None,
        })
    }
}

impl Benchmark for ClassificationBenchmark {
    fn phases(&self) -> &'static [&'static str] {
        &["fit", "predict"]
    }

    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "fit" => {
                self.model = Some((self.fitter)(
                    self.x_train.view(),
                    self.y_train.view(),
                    &self.classes,
                )?)
            }
            "predict" => {
                let model = self.model.as_ref().context("predict before fit")?;
                let scores = model.decision(self.x_test.view());
                self.predictions = Some(labels_from(&scores, &self.classes));
                self.scores = Some(scores);
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
        Ok(classification_quality(
            self.y_test.view(),
            pred.view(),
            self.scores.as_ref().map(|s| s.view()),
            &self.classes,
        ))
    }

    fn write_predictions(&self, path: &Path) -> Result<()> {
        let pred = self.predictions.as_ref().context("no predictions yet")?;
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        pred.write_npy(file)
            .with_context(|| format!("writing {}", path.display()))?;
        if let Some(scores) = &self.scores {
            // Same sibling-file rule as the Python worker's `scores_path`.
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("predictions.npy");
            let spath =
                path.with_file_name(format!("{}.scores.npy", name.trim_end_matches(".npy")));
            let scores = if scores.ncols() == 1 {
                scores.column(0).to_owned().into_dyn()
            } else {
                scores.clone().into_dyn()
            };
            let file = std::fs::File::create(&spath)
                .with_context(|| format!("creating {}", spath.display()))?;
            scores
                .write_npy(file)
                .with_context(|| format!("writing {}", spath.display()))?;
        }
        Ok(())
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        self.model
            .as_ref()
            .map(|m| m.metadata())
            .unwrap_or_default()
    }
}
