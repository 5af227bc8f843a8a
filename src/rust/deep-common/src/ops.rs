//! The operations the model definitions need, implemented once per framework (candle, tch).
//!
//! Writing each model once over this trait is what makes "identical layer shapes" structural rather
//! than a matter of keeping two copies in sync; the kernels behind every operation are the
//! framework's own.

use std::path::Path;

use anyhow::Result;

/// Optimiser settings, identical on every side (AdamW with decoupled weight decay).
#[derive(Debug, Clone, Copy)]
pub struct AdamWConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Clip the global gradient L2 norm to this before each step (torch's clip_grad_norm_).
    pub max_grad_norm: Option<f64>,
}

/// Batch-norm constants shared with PyTorch's defaults.
pub const BN_EPS: f64 = 1e-5;
pub const BN_MOMENTUM: f64 = 0.1;

pub trait Ops {
    type T: Clone;

    /// A trainable parameter or a buffer, by its PyTorch state-dict name.
    fn param(&self, name: &str) -> Result<Self::T>;
    /// Batch norm over (N, C, H, W); in training it normalises with batch statistics and updates
    /// `<prefix>.running_mean` / `running_var` (unbiased) with momentum [`BN_MOMENTUM`].
    fn batch_norm(&self, x: &Self::T, prefix: &str, train: bool) -> Result<Self::T>;
    fn conv2d(
        &self,
        x: &Self::T,
        w: &Self::T,
        b: Option<&Self::T>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> Result<Self::T>;
    /// x @ w^T + b, x of shape (N, in).
    fn linear(&self, x: &Self::T, w: &Self::T, b: Option<&Self::T>) -> Result<Self::T>;
    fn relu(&self, x: &Self::T) -> Result<Self::T>;
    fn tanh(&self, x: &Self::T) -> Result<Self::T>;
    fn sigmoid(&self, x: &Self::T) -> Result<Self::T>;
    /// k x k max-pool with stride k.
    fn max_pool2d(&self, x: &Self::T, k: usize) -> Result<Self::T>;
    /// Mean over H and W: (N, C, H, W) -> (N, C).
    fn spatial_mean(&self, x: &Self::T) -> Result<Self::T>;
    fn add(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    fn sub(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    fn mul(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    fn dropout(&self, x: &Self::T, p: f64, train: bool) -> Result<Self::T>;
    fn narrow(&self, x: &Self::T, dim: usize, start: usize, len: usize) -> Result<Self::T>;
    fn reshape(&self, x: &Self::T, shape: &[usize]) -> Result<Self::T>;
    fn cat(&self, xs: &[Self::T], dim: usize) -> Result<Self::T>;
    fn dims(&self, x: &Self::T) -> Vec<usize>;
    /// Max over the last dimension: (N, K) -> (N).
    fn max_last(&self, x: &Self::T) -> Result<Self::T>;
    /// Sum over the last dimension: (N, K) -> (N).
    fn sum_last(&self, x: &Self::T) -> Result<Self::T>;
    fn zeros(&self, shape: &[usize]) -> Result<Self::T>;
}

/// Everything a training/inference benchmark needs beyond the model's forward pass.
pub trait Engine: Ops + Sized {
    /// Framework name as in config/frameworks.yaml (`candle`, `tch`).
    const NAME: &'static str;
    fn version() -> String;
    fn backend(&self) -> String;
    /// Probes of known defects of this library (config/findings.yaml), as `{name: {reproduces, detail}}`.
    fn findings() -> serde_json::Value {
        serde_json::json!({})
    }

    /// Load the shared initial tensors and set up the optimiser over the trainable ones.
    /// `trainable` lists parameter names; every other tensor in the file is a buffer.
    fn load(
        path: &Path,
        trainable: &[String],
        opt: AdamWConfig,
        threads: u32,
        device: &str,
    ) -> Result<Self>;
    /// Names and shapes of every tensor held (parameters and buffers), for the spec check.
    fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)>;
    fn tensor_f32(&self, data: Vec<f32>, shape: &[usize]) -> Result<Self::T>;
    fn tensor_i64(&self, data: Vec<i64>) -> Result<Self::T>;
    /// Rows of `x` (first dimension) at `idx` (an i64 tensor).
    fn index_rows(&self, x: &Self::T, idx: &Self::T) -> Result<Self::T>;
    /// Mean cross-entropy of logits (N, K) against class indices (N,).
    fn cross_entropy(&self, logits: &Self::T, target: &Self::T) -> Result<Self::T>;
    /// Mean squared error of (N, 1) predictions against (N,) targets.
    fn mse(&self, pred: &Self::T, target: &Self::T) -> Result<Self::T>;
    /// Mean Huber loss with delta 1 (torch's smooth_l1_loss) of equal-shaped tensors.
    fn huber(&self, pred: &Self::T, target: &Self::T) -> Result<Self::T>;
    /// Replace a non-trainable tensor with a detached copy of `value` (a hard target-network update).
    fn set_buffer(&mut self, name: &str, value: &Self::T) -> Result<()>;
    /// Backward pass from `loss`, gradient clipping if configured, and one optimiser step; returns
    /// the loss value.
    fn step(&mut self, loss: &Self::T) -> Result<f32>;
    fn to_vec_f32(&self, x: &Self::T) -> Result<Vec<f32>>;
    /// Run `f` without recording a graph for gradients.
    fn no_grad<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
    /// Wait for queued device work, so a timer around it measures the work (a no-op on CPU).
    fn sync(&self) -> Result<()>;
    fn save(&self, path: &Path) -> Result<()>;
}
