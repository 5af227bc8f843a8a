//! Clustering with linfa-clustering and linfa-hierarchical. One function per algorithm, listed once in
//! [`ALGORITHMS`].
//!
//! What is clustered is the train split and the saved predictions are its labels (noise = -1): DBSCAN
//! and agglomerative clustering cannot label unseen points, so every algorithm is scored on the data it
//! clustered; the true labels only feed the adjusted Rand index.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_clustering::{
    Dbscan, GaussianMixtureModel, GmmCovarType, GmmInitMethod, KMeans, KMeansInit,
};
use linfa_hierarchical::{HierarchicalCluster, Method};
use linfa_kernel::{Kernel, KernelInner, KernelMethod};
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ndarray_npy::WriteNpyExt;
use pairbench_core::cell::{lookup, Cell};
use pairbench_core::dataset::Split;
use pairbench_core::metrics::clustering_quality;
use pairbench_core::runner::Benchmark;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde_json::Value;

/// Clusters the records (the timed `fit` phase): labels, -1 for noise, plus what the solver reports.
/// The records are a view, so the Python binding passes numpy's memory without a copy.
pub type Clusterer =
    Box<dyn Fn(ArrayView2<'_, f64>) -> Result<(Array1<i64>, BTreeMap<String, Value>)>>;

/// Reads the cell's parameters and returns the fitter for one algorithm.
pub type Builder = fn(&Cell) -> Result<Clusterer>;

/// The registry: adding an algorithm is one function and one line here.
pub const ALGORITHMS: &[(&str, Builder)] = &[
    ("kmeans", kmeans),
    ("dbscan", dbscan),
    ("agglomerative", agglomerative),
    ("gaussian_mixture", gaussian_mixture),
];

fn param_str<'a>(cell: &'a Cell, key: &str) -> Result<&'a str> {
    cell.params
        .get(key)
        .and_then(Value::as_str)
        .with_context(|| {
            format!(
                "cell {}: param {key:?} missing or not a string",
                cell.cell_id
            )
        })
}

fn usize_param(cell: &Cell, key: &str) -> Result<usize> {
    Ok(cell.param_u32(key)? as usize)
}

fn to_i64(labels: impl IntoIterator<Item = usize>) -> Array1<i64> {
    labels.into_iter().map(|l| l as i64).collect()
}

/// Lloyd's k-means. scikit-learn stops when the squared Frobenius norm of the centre shift is at most
/// `tol` x the mean feature variance; linfa stops when the unsquared norm is below its tolerance, so
/// linfa gets sqrt(tol x mean variance): the same rule. `init: first_rows` starts from the first k rows
/// on both sides (one run); `k-means++` uses each library's own seeded k-means++ with `n_init` runs.
fn kmeans(cell: &Cell) -> Result<Clusterer> {
    let k = usize_param(cell, "n_clusters")?;
    let tol = cell.param_f64("tol")?;
    let max_iter = u64::from(cell.param_u32("max_iter")?);
    let n_init = usize_param(cell, "n_init")?;
    let seed = cell.seed as u64;
    let first_rows = match param_str(cell, "init")? {
        "k-means++" => false,
        "first_rows" => true,
        other => bail!("unknown kmeans init {other:?}; allowed: k-means++, first_rows"),
    };
    Ok(Box::new(move |x| {
        let mean_var = x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
        let (init, runs) = if first_rows {
            (KMeansInit::Precomputed(x.slice(s![..k, ..]).to_owned()), 1)
        } else {
            (KMeansInit::KMeansPlusPlus, n_init)
        };
        let ds = DatasetBase::from(x);
        let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
            .init_method(init)
            .n_runs(runs)
            .tolerance((tol * mean_var).sqrt())
            .max_n_iterations(max_iter)
            .fit(&ds)
            .context("linfa KMeans fit")?;
        let labels: Array1<usize> = model.predict(&x);
        let meta = BTreeMap::from([
            (
                "linfa_tolerance".to_string(),
                Value::from((tol * mean_var).sqrt()),
            ),
            ("n_runs".to_string(), Value::from(runs)),
            (
                "linfa_inertia_mean".to_string(),
                Value::from(model.inertia()),
            ),
        ]);
        Ok((to_i64(labels), meta))
    }))
}

/// DBSCAN, Euclidean, k-d tree neighbour search; `min_samples` counts the point itself (as scikit-learn).
fn dbscan(cell: &Cell) -> Result<Clusterer> {
    let eps = cell.param_f64("eps")?;
    let min_samples = usize_param(cell, "min_samples")?;
    let params = Dbscan::params(min_samples)
        .tolerance(eps)
        .check()
        .context("invalid DBSCAN parameters")?;
    Ok(Box::new(move |x| {
        let labels = params.transform(&x);
        Ok((labels.mapv(|l| l.map_or(-1, |c| c as i64)), BTreeMap::new()))
    }))
}

/// Agglomerative clustering with kodama (Müllner's algorithms) through linfa-hierarchical, which takes a
/// similarity kernel and clusters on d = -ln K. We pass K = exp(-||x-y|| / s) (s = the largest distance,
/// keeping every K above linfa's 1e-6 floor), so d = ||x-y|| / s: Euclidean distances up to a constant
/// factor, which no linkage's merge order depends on. Building K is part of the timed fit.
fn agglomerative(cell: &Cell) -> Result<Clusterer> {
    let k = usize_param(cell, "n_clusters")?;
    let method = match param_str(cell, "linkage")? {
        "ward" => Method::Ward,
        "complete" => Method::Complete,
        "average" => Method::Average,
        "single" => Method::Single,
        other => bail!("unknown linkage {other:?}; allowed: ward, complete, average, single"),
    };
    let params = HierarchicalCluster::default()
        .with_method(method)
        .num_clusters(k)
        .check()
        .context("invalid linkage")?;
    Ok(Box::new(move |x| {
        let n = x.nrows();
        let sq_norms: Array1<f64> = x.outer_iter().map(|r| r.dot(&r)).collect();
        let gram = x.dot(&x.t());
        let mut dist = Array2::from_shape_fn((n, n), |(i, j)| {
            (sq_norms[i] + sq_norms[j] - 2.0 * gram[[i, j]])
                .max(0.0)
                .sqrt()
        });
        dist.diag_mut().fill(0.0);
        let scale = dist
            .iter()
            .copied()
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        let similarity = dist.mapv(|d| (-d / scale).exp());
        let kernel = Kernel {
            inner: KernelInner::Dense(similarity),
            method: KernelMethod::Linear,
        };
        let labels = params.transform(kernel).targets;
        Ok((
            to_i64(labels),
            BTreeMap::from([("distance_scale".to_string(), Value::from(scale))]),
        ))
    }))
}

/// EM for a Gaussian mixture, k-means initialisation. linfa 0.8.1 implements only `full` covariance.
fn gaussian_mixture(cell: &Cell) -> Result<Clusterer> {
    let k = usize_param(cell, "n_clusters")?;
    match param_str(cell, "covariance_type")? {
        "full" => {}
        other => bail!(
            "covariance_type {other:?} is not available in linfa-clustering 0.8.1 (only \"full\")"
        ),
    }
    let params =
        GaussianMixtureModel::params_with_rng(k, Xoshiro256Plus::seed_from_u64(cell.seed as u64))
            .covariance_type(GmmCovarType::Full)
            .tolerance(cell.param_f64("tol")?)
            .reg_covariance(cell.param_f64("reg_covar")?)
            .max_n_iterations(u64::from(cell.param_u32("max_iter")?))
            .n_runs(u64::from(cell.param_u32("n_init")?))
            .init_method(GmmInitMethod::KMeans)
            .check()
            .context("invalid GMM parameters")?;
    Ok(Box::new(move |x| {
        let model = params
            .fit(&DatasetBase::from(x.to_owned()))
            .context("linfa GMM fit")?;
        let labels: Array1<usize> = model.predict(&x);
        Ok((to_i64(labels), BTreeMap::new()))
    }))
}

pub struct ClusteringBenchmark {
    clusterer: Clusterer,
    x_train: Array2<f64>,
    y_train: Array1<i64>,
    labels: Option<Array1<i64>>,
    meta: BTreeMap<String, Value>,
}

impl ClusteringBenchmark {
    pub fn new(cell: &Cell, split: Split<i64>) -> Result<Self> {
        let build = lookup(ALGORITHMS, &cell.algorithm, "clustering")?;
        Ok(Self {
            clusterer: build(cell)?,
            x_train: split.x_train,
            y_train: split.y_train,
            labels: None,
            meta: BTreeMap::new(),
        })
    }
}

impl Benchmark for ClusteringBenchmark {
    fn phases(&self) -> &'static [&'static str] {
        &["fit"]
    }

    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "fit" => {
                let (labels, meta) = (self.clusterer)(self.x_train.view())?;
                self.labels = Some(labels);
                self.meta = meta;
            }
            other => bail!("unknown phase {other:?}; allowed: fit"),
        }
        Ok(())
    }

    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        let labels = self.labels.as_ref().context("quality before fit")?;
        let truth = self.y_train.to_vec();
        Ok(clustering_quality(
            self.x_train.view(),
            &labels.to_vec(),
            Some(&truth),
        ))
    }

    fn write_predictions(&self, path: &Path) -> Result<()> {
        let labels = self.labels.as_ref().context("no labels yet")?;
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        labels
            .write_npy(file)
            .with_context(|| format!("writing {}", path.display()))
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut meta = self.meta.clone();
        meta.insert("clustered".into(), Value::from("train split"));
        meta
    }
}

#[cfg(test)]
mod tests {
    use linfa_clustering::GmmCovarType;

    /// Finding `linfa_gmm_full_only` (config/findings.yaml): this match is exhaustive only while linfa's
    /// GmmCovarType has the single variant `Full`; a release adding diag/tied/spherical stops it compiling.
    #[test]
    fn finding_gmm_covariance_is_full_only() {
        let variants = |t: GmmCovarType| match t {
            GmmCovarType::Full => "full",
        };
        assert_eq!(variants(GmmCovarType::Full), "full");
    }
}
