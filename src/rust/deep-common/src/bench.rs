//! The Rust side of a deep-learning cell, generic over the framework: the same phases, data order
//! and bookkeeping as the PyTorch runner (src/python/pairbench/tasks/deep/torch_runner.py).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ndarray::{Array1, Array2};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use pairbench_core::cell::{require_params, str_param, Cell};
use pairbench_core::dataset::{load_verified, Manifest, Split};
use pairbench_core::metrics::regression_quality;
use pairbench_core::runner::Benchmark;
use serde_json::Value;

use crate::models::{
    forward, model_params, param_count, tensor_specs, ModelConfig, TensorSpec, RNN_MODELS,
};
use crate::ops::{AdamWConfig, Engine};

pub const IMAGE_TASK: &str = "image_classification";
pub const TASKS: [&str; 3] = [IMAGE_TASK, "sequence_classification", "forecasting"];
const PHASES: &[&str] = &[
    "train_epoch",
    "eval_epoch",
    "infer_b1",
    "infer_b32",
    "infer_b256",
];
const INFER_BATCHES: [usize; 3] = [1, 32, 256];
const EVAL_BATCH: usize = 256;

/// Where phase 3 put the cell's shared start (see `prepare_cell` in tasks/deep/prepare.py).
pub fn cell_dir(data_dir: &Path, cell_id: &str) -> std::path::PathBuf {
    data_dir.join("_deep").join(cell_id)
}

/// The number under `key`; a missing one is named (`require_params`), there is no default.
pub fn number_param(cell: &Cell, key: &str) -> Result<f64> {
    require_params(cell, &[key])?;
    cell.params[key]
        .as_f64()
        .with_context(|| format!("cell {}: param {key:?} is not a number", cell.cell_id))
}

/// The non-negative integer under `key`, required.
pub fn count_param(cell: &Cell, key: &str) -> Result<usize> {
    let v = number_param(cell, key)?;
    if v < 0.0 || v.fract() != 0.0 {
        bail!(
            "cell {}: param {key:?}={v} is not a non-negative integer",
            cell.cell_id
        );
    }
    Ok(v as usize)
}

/// Same rules as `input_spec` in Python: shape from the manifest's options, classes = max(y)+1.
pub fn model_config(
    cell: &Cell,
    options: &Value,
    n_features: usize,
    n_outputs: usize,
) -> Result<ModelConfig> {
    let get = |k: &str| {
        options
            .get(k)
            .with_context(|| format!("dataset {}: manifest options lack {k:?}", cell.dataset))
    };
    // Only the settings the model reads are required (and read); the others stay 0, unused.
    let used = model_params(&cell.algorithm);
    require_params(cell, used)?;
    let setting = |k: &str| -> Result<f64> {
        if used.contains(&k) {
            number_param(cell, k)
        } else {
            Ok(0.0)
        }
    };
    let count = |k: &str| -> Result<usize> {
        if used.contains(&k) {
            count_param(cell, k)
        } else {
            Ok(0)
        }
    };
    let mut cfg = ModelConfig {
        name: cell.algorithm.clone(),
        image_shape: [0; 3],
        seq_len: 0,
        n_features: 0,
        n_outputs,
        width: count("width")?,
        hidden: count("hidden")?,
        layers: count("layers")?,
        dropout: setting("dropout")?,
    };
    if cell.task == IMAGE_TASK {
        let shape: Vec<usize> = serde_json::from_value(get("image_shape")?.clone())?;
        if shape.len() != 3 || shape.iter().product::<usize>() != n_features {
            bail!(
                "dataset {}: image_shape {shape:?} does not match {n_features} features",
                cell.dataset
            );
        }
        cfg.image_shape = [shape[0], shape[1], shape[2]];
    } else {
        cfg.seq_len = get("seq_len")?
            .as_u64()
            .context("seq_len is not an integer")? as usize;
        cfg.n_features = options
            .get("n_channels")
            .and_then(Value::as_u64)
            .unwrap_or(1) as usize;
        if cfg.seq_len * cfg.n_features != n_features {
            bail!(
                "dataset {}: seq_len*n_channels != {n_features} features",
                cell.dataset
            );
        }
    }
    Ok(cfg)
}

pub fn sample_shape(cfg: &ModelConfig, task: &str) -> Vec<usize> {
    if task == IMAGE_TASK {
        cfg.image_shape.to_vec()
    } else {
        vec![cfg.seq_len, cfg.n_features]
    }
}

/// The loaded tensors must be exactly the model's: same names, same shapes, nothing extra.
pub fn check_tensors(specs: &[TensorSpec], loaded: &[(String, Vec<usize>)]) -> Result<()> {
    let want: BTreeMap<&str, &Vec<usize>> =
        specs.iter().map(|s| (s.name.as_str(), &s.shape)).collect();
    let have: BTreeMap<&str, &Vec<usize>> = loaded.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let mut problems = Vec::new();
    for (name, shape) in &want {
        match have.get(name) {
            None => problems.push(format!("missing {name}")),
            Some(s) if s != shape => {
                problems.push(format!("{name}: file {s:?} != model {shape:?}"))
            }
            _ => {}
        }
    }
    problems.extend(
        have.keys()
            .filter(|n| !want.contains_key(*n))
            .map(|n| format!("unexpected {n}")),
    );
    if !problems.is_empty() {
        bail!(
            "weights file does not match the model definition: {}",
            problems.join("; ")
        );
    }
    Ok(())
}

enum Targets {
    Classes(Array1<i64>),
    Values(Array1<f64>),
}

/// The cell's split as read from disk (f64 features, host memory), before it becomes tensors.
struct HostSplit {
    x_train: Array2<f64>,
    y_train: Targets,
    x_test: Array2<f64>,
    y_test: Targets,
    /// The width of the model's output: the number of classes, or 1 for forecasting.
    n_outputs: usize,
}

fn check_task(cell: &Cell) -> Result<()> {
    if !TASKS.contains(&cell.task.as_str()) {
        bail!(
            "cell {}: task {:?} not implemented; allowed: {}",
            cell.cell_id,
            cell.task,
            TASKS.join(", ")
        );
    }
    Ok(())
}

/// The dataset manifest's `options` (the generator's settings the model config reads), or null.
fn manifest_options(dir: &Path) -> Result<Value> {
    let manifest_json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json"))?)?;
    Ok(manifest_json.get("options").cloned().unwrap_or(Value::Null))
}

/// The split, verified against its manifest: class targets, except for forecasting (values).
fn load_split(cell: &Cell, dir: &Path) -> Result<(HostSplit, Manifest)> {
    if cell.task != "forecasting" {
        let s: Split<i64> = load_verified(dir)?;
        let n_classes = s
            .y_train
            .iter()
            .copied()
            .max()
            .context("empty training split")?
            + 1;
        let host = HostSplit {
            x_train: s.x_train,
            y_train: Targets::Classes(s.y_train),
            x_test: s.x_test,
            y_test: Targets::Classes(s.y_test),
            n_outputs: n_classes as usize,
        };
        Ok((host, s.manifest))
    } else {
        let s: Split<f64> = load_verified(dir)?;
        let host = HostSplit {
            x_train: s.x_train,
            y_train: Targets::Values(s.y_train),
            x_test: s.x_test,
            y_test: Targets::Values(s.y_test),
            n_outputs: 1,
        };
        Ok((host, s.manifest))
    }
}

/// Every AdamW setting, read from the cell (config/benchmarks.yaml), none from a library default, so
/// the cell file holds every value; torch_runner.py's `optimizer_settings` requires the same keys.
pub const OPTIMIZER_PARAMS: [&str; 5] = ["lr", "beta1", "beta2", "eps", "weight_decay"];
/// The rest of what a deep cell is run with; `device` is the run's (--devices), written by phase 1.
pub const RUN_PARAMS: [&str; 3] = ["batch_size", "latency_repeats", "device"];

/// Every param a deep cell of `algorithm` must carry, in torch_runner.py's `cell_params` order.
pub fn cell_params(algorithm: &str) -> Vec<&'static str> {
    [
        &OPTIMIZER_PARAMS[..],
        model_params(algorithm),
        &RUN_PARAMS[..],
    ]
    .concat()
}

/// The numbers under `keys`, in order; every missing one is named (same message as the Python side).
pub fn required_params<const N: usize>(cell: &Cell, keys: [&str; N]) -> Result<[f64; N]> {
    require_params(cell, &keys)?;
    let mut out = [0.0; N];
    for (v, k) in out.iter_mut().zip(keys) {
        *v = number_param(cell, k)?;
    }
    Ok(out)
}

/// AdamW from the cell's params, every setting required.
pub fn adamw_config(cell: &Cell) -> Result<AdamWConfig> {
    let [lr, beta1, beta2, eps, weight_decay] = required_params(cell, OPTIMIZER_PARAMS)?;
    Ok(AdamWConfig {
        lr,
        beta1,
        beta2,
        eps,
        weight_decay,
        max_grad_norm: None,
    })
}

/// The settings as recorded in a result's metadata (same keys as the cell's params).
pub fn adamw_metadata(opt: &AdamWConfig) -> Value {
    serde_json::json!({
        "lr": opt.lr,
        "beta1": opt.beta1,
        "beta2": opt.beta2,
        "eps": opt.eps,
        "weight_decay": opt.weight_decay,
    })
}

/// Phase 3's `init.safetensors` in `prepared`: the same start for every framework (deep-learning and
/// RL cells alike), or an error naming the command that writes it.
pub fn shared_init(prepared: &Path) -> Result<PathBuf> {
    let init = prepared.join("init.safetensors");
    if !init.is_file() {
        bail!(
            "{}: shared initial weights missing (run `pairbench datasets`)",
            init.display()
        );
    }
    Ok(init)
}

/// The run's device (--devices), written into every cell by phase 1; the Python runners require it too.
pub fn device_param(cell: &Cell) -> Result<String> {
    Ok(str_param(cell, "device")?.to_string())
}

/// The engine holding the cell's shared initial weights (phase 3's init.safetensors, the same start
/// for every framework), checked tensor by tensor against the model definition.
fn load_engine<E: Engine>(
    cell: &Cell,
    prepared: &Path,
    specs: &[TensorSpec],
    opt: AdamWConfig,
) -> Result<E> {
    let init = shared_init(prepared)?;
    let device = device_param(cell)?;
    let trainable: Vec<String> = specs
        .iter()
        .filter(|s| s.trainable)
        .map(|s| s.name.clone())
        .collect();
    let e = E::load(&init, &trainable, opt, cell.threads, &device)?;
    check_tensors(specs, &e.tensor_shapes())?;
    Ok(e)
}

/// Phase 3's batch order (one row of sample indices per epoch), shared by every framework.
fn read_batch_order(prepared: &Path) -> Result<Array2<i64>> {
    let path = prepared.join("batch_order.npy");
    Array2::<i64>::read_npy(File::open(&path)?)
        .with_context(|| format!("reading {}", path.display()))
}

/// Training targets as the engine's tensor: class indices (i64) or values (f32).
fn targets_tensor<E: Engine>(e: &E, y: &Targets) -> Result<E::T> {
    match y {
        Targets::Classes(y) => e.tensor_i64(y.to_vec()),
        Targets::Values(y) => e.tensor_f32(y.iter().map(|&v| v as f32).collect(), &[y.len()]),
    }
}

/// One input per inference batch size: the first b test rows, tiled when the test split is smaller
/// than b (as in Python).
fn infer_batches<E: Engine>(e: &E, x_test: &E::T, n_test: usize) -> Result<Vec<E::T>> {
    INFER_BATCHES
        .iter()
        .map(|&b| {
            let idx: Vec<i64> = (0..b).map(|i| (i % n_test) as i64).collect();
            e.index_rows(x_test, &e.tensor_i64(idx)?)
        })
        .collect()
}

fn to_f32(x: &Array2<f64>) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

/// One training epoch: a step per `batch_size` rows of `order` (the rest dropped, as `drop_last` on
/// every side: a batch-norm batch of one row has no variance), the losses of every step. As
/// torch_runner.py's `train_epoch`, the epoch's order goes to the device once and the losses come
/// back once, after the last step: no host copy inside the loop, which on a GPU would wait for
/// every step (`host_transfers` counts them; the tests hold it at two per epoch).
pub fn train_steps<E: Engine>(
    e: &mut E,
    cfg: &ModelConfig,
    x_train: &E::T,
    y_train: &E::T,
    order: &[i64],
    batch_size: usize,
    classify: bool,
) -> Result<Vec<f64>> {
    let steps = order.len() / batch_size.max(1);
    let order = e.tensor_i64(order.to_vec())?;
    let mut losses = Vec::with_capacity(steps);
    for k in 0..steps {
        let idx = e.narrow(&order, 0, k * batch_size, batch_size)?;
        let xb = e.index_rows(x_train, &idx)?;
        let yb = e.index_rows(y_train, &idx)?;
        let out = forward(e, cfg, &xb, true)?;
        let loss = if classify {
            e.cross_entropy(&out, &yb)?
        } else {
            e.mse(&out, &yb)?
        };
        let loss = e.step(&loss)?;
        losses.push(e.reshape(&loss, &[1])?);
    }
    e.sync()?;
    if losses.is_empty() {
        return Ok(Vec::new());
    }
    let values = e.to_vec_f32(&e.cat(&losses, 0)?)?;
    Ok(values.into_iter().map(f64::from).collect())
}

pub struct DeepBench<E: Engine> {
    e: E,
    cfg: ModelConfig,
    specs: Vec<TensorSpec>,
    task: String,
    x_train: E::T,
    y_train: E::T,
    x_test: E::T,
    n_test: usize,
    y_test: Targets,
    order: Array2<i64>,
    batch_size: usize,
    latency_repeats: u32,
    opt: AdamWConfig,
    infer_inputs: Vec<E::T>,
    epoch: usize,
    loss_steps: Vec<f64>,
    loss_curve: Vec<f64>,
    eval_curve: Vec<f64>,
    predictions: Option<Vec<f64>>,
    /// Host-device copies of each training epoch (the result's `host_transfers_per_epoch`).
    transfers_per_epoch: Vec<u64>,
}

impl<E: Engine> DeepBench<E> {
    pub fn new(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        check_task(cell)?;
        // Checked first: a cell missing any setting is refused before any data is loaded.
        require_params(cell, &cell_params(&cell.algorithm))?;
        let opt = adamw_config(cell)?;
        let dir = data_dir.join(&cell.dataset);
        let options = manifest_options(&dir)?;
        let (host, manifest) = load_split(cell, &dir)?;
        let cfg = model_config(cell, &options, host.x_train.ncols(), host.n_outputs)?;
        let specs = tensor_specs(&cfg)?;
        let prepared = cell_dir(data_dir, &cell.cell_id);
        let e: E = load_engine(cell, &prepared, &specs, opt)?;
        let order = read_batch_order(&prepared)?;

        let shape = sample_shape(&cfg, &cell.task);
        let with_n = |n: usize| [vec![n], shape.clone()].concat();
        let n_test = host.x_test.nrows();
        let x_train = e.tensor_f32(to_f32(&host.x_train), &with_n(host.x_train.nrows()))?;
        let x_test = e.tensor_f32(to_f32(&host.x_test), &with_n(n_test))?;
        let y_train = targets_tensor(&e, &host.y_train)?;
        let infer_inputs = infer_batches(&e, &x_test, n_test)?;
        let bench = Self {
            batch_size: count_param(cell, "batch_size")?,
            latency_repeats: count_param(cell, "latency_repeats")? as u32,
            opt,
            e,
            cfg,
            specs,
            task: cell.task.clone(),
            x_train,
            y_train,
            x_test,
            n_test,
            y_test: host.y_test,
            order,
            infer_inputs,
            epoch: 0,
            loss_steps: Vec::new(),
            loss_curve: Vec::new(),
            eval_curve: Vec::new(),
            predictions: None,
            transfers_per_epoch: Vec::new(),
        };
        if bench.batch_size == 0 {
            bail!(
                "cell {}: param \"batch_size\" missing or zero",
                cell.cell_id
            );
        }
        Ok((bench, manifest))
    }

    fn classify(&self) -> bool {
        matches!(self.y_test, Targets::Classes(_))
    }

    fn train_epoch(&mut self) -> Result<()> {
        if self.epoch >= self.order.nrows() {
            bail!(
                "batch order has {} epochs; epoch {} requested",
                self.order.nrows(),
                self.epoch + 1
            );
        }
        let row = self.order.row(self.epoch).to_vec();
        let before = self.e.host_transfers();
        let classify = self.classify();
        let losses = train_steps(
            &mut self.e,
            &self.cfg,
            &self.x_train,
            &self.y_train,
            &row,
            self.batch_size,
            classify,
        )?;
        self.transfers_per_epoch
            .push(self.e.host_transfers() - before);
        self.loss_curve
            .push(losses.iter().sum::<f64>() / losses.len().max(1) as f64);
        self.loss_steps.extend(losses);
        self.epoch += 1;
        Ok(())
    }

    /// The test split's outputs, batches of EVAL_BATCH, read back once (torch_runner.py's `_outputs`
    /// and its one `.cpu()`).
    fn outputs(&self) -> Result<Vec<f32>> {
        self.e.no_grad(|| {
            let mut parts = Vec::new();
            let mut start = 0;
            while start < self.n_test {
                let len = EVAL_BATCH.min(self.n_test - start);
                let xb = self.e.narrow(&self.x_test, 0, start, len)?;
                parts.push(forward(&self.e, &self.cfg, &xb, false)?);
                start += len;
            }
            self.e.to_vec_f32(&self.e.cat(&parts, 0)?)
        })
    }

    fn eval_epoch(&mut self) -> Result<()> {
        let out = self.outputs()?;
        let preds: Vec<f64> = if self.classify() {
            out.chunks_exact(self.cfg.n_outputs)
                .map(|row| {
                    // First maximum on ties, as torch.argmax.
                    let mut best = 0;
                    for (k, v) in row.iter().enumerate() {
                        if *v > row[best] {
                            best = k;
                        }
                    }
                    best as f64
                })
                .collect()
        } else {
            out.iter().map(|&v| f64::from(v)).collect()
        };
        let metric = match &self.y_test {
            Targets::Classes(y) => {
                preds
                    .iter()
                    .zip(y)
                    .filter(|(p, t)| **p as i64 == **t)
                    .count() as f64
                    / y.len() as f64
            }
            Targets::Values(y) => {
                preds
                    .iter()
                    .zip(y)
                    .map(|(p, t)| (p - t).powi(2))
                    .sum::<f64>()
                    / y.len() as f64
            }
        };
        self.eval_curve.push(metric);
        self.predictions = Some(preds);
        Ok(())
    }

    fn infer(&self, i: usize) -> Result<()> {
        self.e
            .no_grad(|| forward(&self.e, &self.cfg, &self.infer_inputs[i], false))?;
        self.e.sync()
    }

    /// Eval-mode outputs on arbitrary rows shaped like the test split (row-major, n_outputs wide).
    pub fn forward_rows(&self, x: &Array2<f64>) -> Result<(Vec<f32>, usize)> {
        let shape = [vec![x.nrows()], sample_shape(&self.cfg, &self.task)].concat();
        let xt = self.e.tensor_f32(to_f32(x), &shape)?;
        let out = self.e.no_grad(|| forward(&self.e, &self.cfg, &xt, false))?;
        Ok((self.e.to_vec_f32(&out)?, self.cfg.n_outputs))
    }

    pub fn param_count(&self) -> usize {
        param_count(&self.specs)
    }

    fn model_file_bytes(&self) -> Result<u64> {
        let path = std::env::temp_dir().join(format!(
            "pairbench-{}-{}.safetensors",
            E::NAME,
            std::process::id()
        ));
        self.e.save(&path)?;
        let size = std::fs::metadata(&path)?.len();
        std::fs::remove_file(&path)?;
        Ok(size)
    }
}

impl<E: Engine> Benchmark for DeepBench<E> {
    fn phases(&self) -> &'static [&'static str] {
        PHASES
    }

    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "train_epoch" => self.train_epoch(),
            "eval_epoch" => self.eval_epoch(),
            "infer_b1" => self.infer(0),
            "infer_b32" => self.infer(1),
            "infer_b256" => self.infer(2),
            other => bail!("unknown phase {other:?}; allowed: {}", PHASES.join(", ")),
        }
    }

    /// Training changes the model: per-repetition order, as the PyTorch side (harness/protocol.py).
    fn stateful(&self) -> bool {
        true
    }
    fn repeats(&self, phase: &str) -> u32 {
        if phase.starts_with("infer_b") {
            self.latency_repeats
        } else {
            1
        }
    }

    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        let preds = self
            .predictions
            .as_ref()
            .context("quality before any eval_epoch")?;
        let mut q = BTreeMap::new();
        q.insert("final_loss".into(), self.loss_curve.last().copied());
        q.insert("epochs".into(), Some(self.epoch as f64));
        q.insert("param_count".into(), Some(param_count(&self.specs) as f64));
        q.insert(
            "model_file_bytes".into(),
            Some(self.model_file_bytes()? as f64),
        );
        match &self.y_test {
            Targets::Classes(_) => {
                q.insert("accuracy".into(), self.eval_curve.last().copied());
            }
            Targets::Values(y) => q.extend(regression_quality(
                y.view(),
                Array1::from(preds.clone()).view(),
            )),
        }
        Ok(q)
    }

    fn write_predictions(&self, path: &Path) -> Result<()> {
        let preds = self
            .predictions
            .as_ref()
            .context("no predictions (no eval_epoch ran)")?;
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        if self.classify() {
            Array1::from(preds.iter().map(|&p| p as i64).collect::<Vec<_>>()).write_npy(file)?;
        } else {
            Array1::from(preds.clone()).write_npy(file)?;
        }
        Ok(())
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        m.insert("backend".into(), Value::from(self.e.backend()));
        m.insert("optimizer".into(), Value::from("AdamW"));
        m.insert("optimizer_settings".into(), adamw_metadata(&self.opt));
        m.insert("batch_size".into(), Value::from(self.batch_size));
        m.insert("latency_repeats".into(), Value::from(self.latency_repeats));
        m.insert("loss_curve".into(), Value::from(self.loss_curve.clone()));
        m.insert("loss_steps".into(), Value::from(self.loss_steps.clone()));
        m.insert("eval_curve".into(), Value::from(self.eval_curve.clone()));
        m.insert(
            "eval_metric".into(),
            Value::from(if self.classify() { "accuracy" } else { "mse" }),
        );
        m.insert("compute_dtype".into(), Value::from("float32"));
        m.insert("task".into(), Value::from(self.task.clone()));
        m.insert(
            "host_transfers_per_epoch".into(),
            Value::from(self.transfers_per_epoch.clone()),
        );
        if RNN_MODELS.contains(&self.cfg.name.as_str()) {
            m.insert("recurrent_layer".into(), Value::from(E::RECURRENT));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(params: Value) -> Cell {
        serde_json::from_value(serde_json::json!({
            "cell_id": "c1", "run_id": "r", "domain": "deep_learning", "task": "image_classification",
            "algorithm": "lenet", "dataset": "digits", "params": params, "frameworks": [],
            "seed": 1, "dtype": "float32", "threads": 1, "warmup": 0, "samples": 1
        }))
        .unwrap()
    }

    #[test]
    fn every_adamw_setting_comes_from_the_cell() {
        let c = cell(
            serde_json::json!({"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6,
                                        "weight_decay": 0.01}),
        );
        let o = adamw_config(&c).unwrap();
        assert_eq!(
            (o.lr, o.beta1, o.beta2, o.eps, o.weight_decay),
            (0.1, 0.8, 0.99, 1e-6, 0.01)
        );
        let c = cell(serde_json::json!({"lr": 0.1, "beta2": 0.99, "weight_decay": 0.01}));
        let err = adamw_config(&c).unwrap_err().to_string();
        assert_eq!(
            err,
            r#"cell c1: param "beta1" missing; param "eps" missing"#
        );
    }

    /// Same cell and message as test_deep_learning.py's `test_a_cell_missing_a_model_param_is_refused_by_name`.
    #[test]
    fn a_missing_model_param_is_named() {
        let mut c = cell(
            serde_json::json!({"lr": 0.003, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                            "weight_decay": 0.0001, "batch_size": 16, "latency_repeats": 2}),
        );
        c.task = "sequence_classification".into();
        c.algorithm = "lstm".into();
        let err = require_params(&c, &cell_params(&c.algorithm))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            r#"cell c1: param "hidden" missing; param "layers" missing; param "device" missing"#
        );
        // lenet reads no model setting; the device is still the run's to give.
        c.algorithm = "lenet".into();
        let err = str_param(&c, "device").unwrap_err().to_string();
        assert_eq!(err, r#"cell c1: param "device" missing"#);
        let options = serde_json::json!({"seq_len": 12, "n_channels": 3});
        c.algorithm = "gru".into();
        c.params.insert("hidden".into(), 16.into());
        let err = model_config(&c, &options, 36, 4).unwrap_err().to_string();
        assert_eq!(err, r#"cell c1: param "layers" missing"#);
        c.params.insert("layers".into(), 2.into());
        let cfg = model_config(&c, &options, 36, 4).unwrap();
        assert_eq!((cfg.hidden, cfg.layers, cfg.width), (16, 2, 0));
    }
}
