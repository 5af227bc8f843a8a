//! `linfa_py`: linfa called from Python through PyO3.
//!
//! Every estimator here looks its algorithm up in the same `ALGORITHMS` tables the `pairbench-classical`
//! binary uses and runs the same fitter, so the only difference between `linfa-py` and native `linfa`
//! is the Python boundary and the process around the call. Inputs are borrowed from numpy without a
//! copy (float64 / int64 arrays, any strides); outputs are moved into numpy arrays.

use std::collections::BTreeMap;

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pairbench_classical::{classification, clustering, regression, LINFA_VERSION};
use pairbench_core::cell::{lookup, Cell};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value;

fn to_py(e: anyhow::Error) -> PyErr {
    PyValueError::new_err(format!("{e:#}"))
}

/// A cell carrying only what the builders read: task, algorithm, params and seed.
fn cell(task: &str, algorithm: &str, params_json: &str, seed: i64) -> PyResult<Cell> {
    let params: BTreeMap<String, Value> = serde_json::from_str(params_json)
        .map_err(|e| PyValueError::new_err(format!("params_json: {e}; allowed: a JSON object")))?;
    Ok(Cell {
        cell_id: format!("linfa_py.{task}.{algorithm}"),
        run_id: String::new(),
        domain: "classical_ml".into(),
        task: task.into(),
        algorithm: algorithm.into(),
        dataset: String::new(),
        params,
        frameworks: Vec::new(),
        seed,
        dtype: "float64".into(),
        threads: 1,
        warmup: 0,
        samples: 0,
        // Parameters only: linfa-py's timing is the Python harness's, which reads the cell file.
        protocol: None,
    })
}

fn same_rows(x: usize, y: usize) -> PyResult<()> {
    if x == y {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "X has {x} rows but y has {y} entries; allowed: the same number"
        )))
    }
}

fn metadata_json(meta: BTreeMap<String, Value>) -> PyResult<String> {
    serde_json::to_string(&meta).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A regressor: `fit(X, y)`, `predict(X)`.
#[pyclass(unsendable, module = "linfa_py")]
struct Regressor {
    fitter: regression::Fitter,
    model: Option<Box<dyn regression::Fitted>>,
}

#[pymethods]
impl Regressor {
    #[new]
    #[pyo3(signature = (algorithm, params_json, seed = 42))]
    fn new(algorithm: &str, params_json: &str, seed: i64) -> PyResult<Self> {
        let cell = cell("regression", algorithm, params_json, seed)?;
        let build = lookup(regression::ALGORITHMS, algorithm, "regression").map_err(to_py)?;
        Ok(Self {
            fitter: build(&cell).map_err(to_py)?,
            model: None,
        })
    }

    fn fit(&mut self, x: PyReadonlyArray2<'_, f64>, y: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_array());
        same_rows(x.nrows(), y.len())?;
        self.model = Some((self.fitter)(&linfa::DatasetBase::new(x, y)).map_err(to_py)?);
        Ok(())
    }

    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let model = self
            .model
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("predict before fit"))?;
        Ok(model.predict(x.as_array()).into_pyarray(py))
    }

    /// What the fitted model reports (iterations, duality gap, support vectors), as JSON.
    fn metadata(&self) -> PyResult<String> {
        metadata_json(
            self.model
                .as_ref()
                .map(|m| m.metadata())
                .unwrap_or_default(),
        )
    }
}

/// A one-vs-rest classifier: `fit(X, y)`, `decision(X)` (one column per class, one for two classes).
#[pyclass(unsendable, module = "linfa_py")]
struct Classifier {
    fitter: classification::Fitter,
    classes: Vec<i64>,
    model: Option<Box<dyn classification::FittedClassifier>>,
}

#[pymethods]
impl Classifier {
    #[new]
    #[pyo3(signature = (algorithm, params_json, seed = 42))]
    fn new(algorithm: &str, params_json: &str, seed: i64) -> PyResult<Self> {
        let cell = cell("classification", algorithm, params_json, seed)?;
        let build =
            lookup(classification::ALGORITHMS, algorithm, "classification").map_err(to_py)?;
        Ok(Self {
            fitter: build(&cell).map_err(to_py)?,
            classes: Vec::new(),
            model: None,
        })
    }

    fn fit(&mut self, x: PyReadonlyArray2<'_, f64>, y: PyReadonlyArray1<'_, i64>) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_array());
        same_rows(x.nrows(), y.len())?;
        self.classes = classification::classes_of(y).map_err(to_py)?;
        self.model = Some((self.fitter)(x, y, &self.classes).map_err(to_py)?);
        Ok(())
    }

    #[getter]
    fn classes(&self) -> Vec<i64> {
        self.classes.clone()
    }

    fn decision<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let model = self
            .model
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("decision before fit"))?;
        Ok(model.decision(x.as_array()).into_pyarray(py))
    }

    fn metadata(&self) -> PyResult<String> {
        metadata_json(
            self.model
                .as_ref()
                .map(|m| m.metadata())
                .unwrap_or_default(),
        )
    }
}

/// A clusterer: `fit_predict(X)` labels the rows it clustered (noise = -1).
#[pyclass(unsendable, module = "linfa_py")]
struct Clusterer {
    clusterer: clustering::Clusterer,
    meta: BTreeMap<String, Value>,
}

#[pymethods]
impl Clusterer {
    #[new]
    #[pyo3(signature = (algorithm, params_json, seed = 42))]
    fn new(algorithm: &str, params_json: &str, seed: i64) -> PyResult<Self> {
        let cell = cell("clustering", algorithm, params_json, seed)?;
        let build = lookup(clustering::ALGORITHMS, algorithm, "clustering").map_err(to_py)?;
        Ok(Self {
            clusterer: build(&cell).map_err(to_py)?,
            meta: BTreeMap::new(),
        })
    }

    fn fit_predict<'py>(
        &mut self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let (labels, meta) = (self.clusterer)(x.as_array()).map_err(to_py)?;
        self.meta = meta;
        Ok(labels.into_pyarray(py))
    }

    fn metadata(&self) -> PyResult<String> {
        metadata_json(self.meta.clone())
    }
}

/// The algorithms the binary and this module share, and the variants linfa lacks, as JSON.
#[pyfunction]
fn capabilities() -> String {
    pairbench_classical::capabilities().to_string()
}

#[pymodule]
fn linfa_py(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("LINFA_VERSION", LINFA_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Regressor>()?;
    m.add_class::<Classifier>()?;
    m.add_class::<Clusterer>()?;
    m.add_function(wrap_pyfunction!(capabilities, m)?)?;
    Ok(())
}
