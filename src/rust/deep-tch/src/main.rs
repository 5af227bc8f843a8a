//! `pairbench-tch`: the tch side of the deep-learning and RL cells and of the llm domain's sentence
//! embeddings — Rust driving the same libtorch that PyTorch uses (linked from the venv's torch), so
//! tch vs PyTorch (or transformers) isolates the language layer and tch vs candle (or
//! candle-transformers) isolates the kernels.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use pairbench_deep::ops::{AdamWConfig, Engine, Ops, BN_EPS, BN_MOMENTUM};
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};

/// tch tensors are reference-counted handles without `Clone`; a shallow clone shares storage.
struct T(Tensor);

impl Clone for T {
    fn clone(&self) -> Self {
        T(self.0.shallow_clone())
    }
}

struct Tch {
    device: Device,
    // Owns the parameters the optimiser updates; never read after construction.
    _vs: nn::VarStore,
    params: HashMap<String, Tensor>,
    // Running statistics: plain tensors that libtorch's batch_norm updates in place.
    buffers: HashMap<String, Tensor>,
    opt: nn::Optimizer,
    max_grad_norm: Option<f64>,
    threads: i32,
    /// Host-device copies so far (`Engine::host_transfers`).
    transfers: std::cell::Cell<u64>,
}

impl Tch {
    fn transfer(&self) {
        self.transfers.set(self.transfers.get() + 1);
    }
}

fn dims_i64(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

impl Ops for Tch {
    type T = T;

    fn param(&self, name: &str) -> Result<T> {
        self.params
            .get(name)
            .or_else(|| self.buffers.get(name))
            .map(|t| T(t.shallow_clone()))
            .with_context(|| format!("no tensor {name:?}"))
    }

    fn batch_norm(&self, x: &T, prefix: &str, train: bool) -> Result<T> {
        let w = self.param(&format!("{prefix}.weight"))?;
        let b = self.param(&format!("{prefix}.bias"))?;
        let rm = self.param(&format!("{prefix}.running_mean"))?;
        let rv = self.param(&format!("{prefix}.running_var"))?;
        Ok(T(Tensor::batch_norm(
            &x.0,
            Some(&w.0),
            Some(&b.0),
            Some(&rm.0),
            Some(&rv.0),
            train,
            BN_MOMENTUM,
            BN_EPS,
            true,
        )))
    }

    fn conv2d(
        &self,
        x: &T,
        w: &T,
        b: Option<&T>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> Result<T> {
        let (s, p) = (stride as i64, padding as i64);
        Ok(T(x.0.conv2d(
            &w.0,
            b.map(|b| &b.0),
            [s, s],
            [p, p],
            [1, 1],
            groups as i64,
        )))
    }

    fn linear(&self, x: &T, w: &T, b: Option<&T>) -> Result<T> {
        Ok(T(x.0.linear(&w.0, b.map(|b| &b.0))))
    }

    fn relu(&self, x: &T) -> Result<T> {
        Ok(T(x.0.relu()))
    }
    fn tanh(&self, x: &T) -> Result<T> {
        Ok(T(x.0.tanh()))
    }
    fn sigmoid(&self, x: &T) -> Result<T> {
        Ok(T(x.0.sigmoid()))
    }
    fn max_pool2d(&self, x: &T, k: usize) -> Result<T> {
        let k = k as i64;
        Ok(T(x.0.max_pool2d([k, k], [k, k], [0, 0], [1, 1], false)))
    }
    fn spatial_mean(&self, x: &T) -> Result<T> {
        Ok(T(x.0.mean_dim(&[2i64, 3][..], false, Kind::Float)))
    }
    fn add(&self, a: &T, b: &T) -> Result<T> {
        Ok(T(&a.0 + &b.0))
    }
    fn sub(&self, a: &T, b: &T) -> Result<T> {
        Ok(T(&a.0 - &b.0))
    }
    fn mul(&self, a: &T, b: &T) -> Result<T> {
        Ok(T(&a.0 * &b.0))
    }
    fn div(&self, a: &T, b: &T) -> Result<T> {
        Ok(T(a.0.f_div(&b.0)?))
    }
    fn dropout(&self, x: &T, p: f64, train: bool) -> Result<T> {
        Ok(T(x.0.dropout(p, train)))
    }
    fn narrow(&self, x: &T, dim: usize, start: usize, len: usize) -> Result<T> {
        Ok(T(x.0.narrow(dim as i64, start as i64, len as i64)))
    }
    fn reshape(&self, x: &T, shape: &[usize]) -> Result<T> {
        Ok(T(x.0.reshape(dims_i64(shape))))
    }
    fn cat(&self, xs: &[T], dim: usize) -> Result<T> {
        let parts: Vec<&Tensor> = xs.iter().map(|t| &t.0).collect();
        Ok(T(Tensor::cat(&parts, dim as i64)))
    }
    fn dims(&self, x: &T) -> Vec<usize> {
        x.0.size().iter().map(|&d| d as usize).collect()
    }
    fn max_last(&self, x: &T) -> Result<T> {
        Ok(T(x.0.amax(&[-1i64][..], false)))
    }
    fn sum_last(&self, x: &T) -> Result<T> {
        Ok(T(x.0.sum_dim_intlist(&[-1i64][..], false, Kind::Float)))
    }
    fn zeros(&self, shape: &[usize]) -> Result<T> {
        Ok(T(Tensor::zeros(
            dims_i64(shape),
            (Kind::Float, self.device),
        )))
    }
    fn affine(&self, x: &T, mul: f64, add: f64) -> Result<T> {
        // torch evaluates `tensor * python_float` in the tensor's dtype; adding 0 is exact.
        let y = &x.0 * mul;
        Ok(T(if add == 0.0 { y } else { y + add }))
    }
    fn exp(&self, x: &T) -> Result<T> {
        Ok(T(x.0.exp()))
    }
    fn log_softmax_last(&self, x: &T) -> Result<T> {
        Ok(T(x.0.log_softmax(-1, Kind::Float)))
    }
    fn clamp(&self, x: &T, lo: f64, hi: f64) -> Result<T> {
        Ok(T(x.0.clamp(lo, hi)))
    }
    fn minimum(&self, a: &T, b: &T) -> Result<T> {
        Ok(T(a.0.minimum(&b.0)))
    }
    fn mean_all(&self, x: &T) -> Result<T> {
        Ok(T(x.0.mean(Kind::Float)))
    }
    fn sqrt(&self, x: &T) -> Result<T> {
        Ok(T(x.0.f_sqrt()?))
    }
    fn sum_dim(&self, x: &T, dim: usize) -> Result<T> {
        Ok(T(x.0.f_sum_dim_intlist(
            &[dim as i64][..],
            false,
            Kind::Float,
        )?))
    }
    fn transpose(&self, x: &T, d0: usize, d1: usize) -> Result<T> {
        Ok(T(x.0.f_transpose(d0 as i64, d1 as i64)?))
    }
    fn layer_norm(&self, x: &T, w: &T, b: &T, eps: f64) -> Result<T> {
        let last = *x.0.size().last().context("layer_norm of a scalar")?;
        Ok(T(x.0.f_layer_norm(
            [last],
            Some(&w.0),
            Some(&b.0),
            eps,
            false,
        )?))
    }
    fn gelu_erf(&self, x: &T) -> Result<T> {
        Ok(T(x.0.f_gelu("none")?))
    }
    fn attention(&self, q: &T, k: &T, v: &T, bias: Option<&T>, scale: f64) -> Result<T> {
        // The call transformers' sdpa_attention_forward makes (no dropout, not causal).
        Ok(T(Tensor::f_scaled_dot_product_attention(
            &q.0,
            &k.0,
            &v.0,
            bias.map(|b| &b.0),
            0.0,
            false,
            scale,
            false,
        )?))
    }
    const RECURRENT: &'static str =
        "ATen's fused layer (tch::Tensor::rnn_tanh / lstm / gru: what torch.nn.RNN / LSTM / GRU call)";
    fn recurrent(&self, kind: &str, x: &T, layers: usize, hidden: usize, train: bool) -> Result<T> {
        // torch.nn.RNN's forward: `_VF.<kind>(input, hx, self._flat_weights, bias=True, num_layers,
        // dropout=0, self.training, bidirectional=False, batch_first=True)` with a zero hx, the
        // weights in `_flat_weights` order (per layer: w_ih, w_hh, b_ih, b_hh) as they are.
        let mut weights = Vec::with_capacity(4 * layers);
        for l in 0..layers {
            for w in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
                weights.push(self.param(&format!("rnn.{w}_l{l}"))?.0);
            }
        }
        let n = *x.0.size().first().context("recurrent input of rank 0")?;
        let h0 = Tensor::zeros(
            [layers as i64, n, hidden as i64],
            (Kind::Float, self.device),
        );
        let l = layers as i64;
        let out = match kind {
            "rnn" => {
                x.0.f_rnn_tanh(&h0, &weights, true, l, 0.0, train, false, true)?
                    .0
            }
            "lstm" => {
                let c0 = h0.zeros_like();
                x.0.f_lstm(&[h0, c0], &weights, true, l, 0.0, train, false, true)?
                    .0
            }
            "gru" => {
                x.0.f_gru(&h0, &weights, true, l, 0.0, train, false, true)?
                    .0
            }
            other => bail!("not a recurrent model: {other:?}; allowed: rnn, lstm, gru"),
        };
        Ok(T(out))
    }
}

impl Engine for Tch {
    const NAME: &'static str = "tch";

    fn version() -> String {
        env!("PAIRBENCH_TCH_VERSION").into()
    }

    fn backend(&self) -> String {
        format!(
            "libtorch (from the venv's torch) on {:?}, {} intra-op threads",
            self.device, self.threads
        )
    }

    fn load(
        path: &Path,
        trainable: &[String],
        opt: AdamWConfig,
        threads: u32,
        device: &str,
    ) -> Result<Self> {
        tch::set_num_threads(threads as i32);
        // libtorch refuses a second call once parallel work ran; an RL run loads a fresh engine per
        // lockstep repetition, so set it once per process.
        static INTEROP: std::sync::Once = std::sync::Once::new();
        INTEROP.call_once(|| tch::set_num_interop_threads(threads as i32));
        let device = match device {
            "cpu" => Device::Cpu,
            "cuda" if tch::Cuda::is_available() => Device::Cuda(0),
            "cuda" => bail!("cell asks for device=cuda but libtorch sees no CUDA device"),
            other => bail!("unknown device {other:?}; allowed: cpu, cuda"),
        };
        let mut loaded: HashMap<String, Tensor> = Tensor::read_safetensors(path)
            .with_context(|| format!("reading {}", path.display()))?
            .into_iter()
            .collect();
        let vs = nn::VarStore::new(device);
        let mut params = HashMap::new();
        for name in trainable {
            let t = loaded
                .remove(name)
                .with_context(|| format!("weights file lacks {name}"))?;
            // A var store path separates on '.', which is exactly PyTorch's state-dict naming.
            let mut parts: Vec<&str> = name.split('.').collect();
            let leaf = parts.pop().context("empty tensor name")?;
            let mut p = vs.root();
            for part in parts {
                p = p.sub(part);
            }
            params.insert(name.clone(), p.var_copy(leaf, &t.to_device(device)));
        }
        let buffers = loaded
            .into_iter()
            .map(|(k, v)| (k, v.to_device(device)))
            .collect();
        let mut optimizer = nn::AdamW {
            beta1: opt.beta1,
            beta2: opt.beta2,
            wd: opt.weight_decay,
            eps: opt.eps,
            amsgrad: false,
        }
        .build(&vs, opt.lr)?;
        optimizer.set_lr(opt.lr);
        Ok(Self {
            device,
            _vs: vs,
            params,
            buffers,
            opt: optimizer,
            max_grad_norm: opt.max_grad_norm,
            threads: tch::get_num_threads(),
            transfers: std::cell::Cell::new(0),
        })
    }

    fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let shape = |t: &Tensor| t.size().iter().map(|&d| d as usize).collect();
        let mut out: Vec<_> = self
            .params
            .iter()
            .map(|(k, v)| (k.clone(), shape(v)))
            .collect();
        out.extend(self.buffers.iter().map(|(k, v)| (k.clone(), shape(v))));
        out
    }

    fn tensor_f32(&self, data: Vec<f32>, shape: &[usize]) -> Result<T> {
        self.transfer();
        Ok(T(Tensor::from_slice(&data)
            .reshape(dims_i64(shape))
            .to_device(self.device)))
    }

    fn tensor_i64(&self, data: Vec<i64>) -> Result<T> {
        self.transfer();
        Ok(T(Tensor::from_slice(&data).to_device(self.device)))
    }

    fn index_rows(&self, x: &T, idx: &T) -> Result<T> {
        Ok(T(x.0.index_select(0, &idx.0)))
    }

    fn cross_entropy(&self, logits: &T, target: &T) -> Result<T> {
        Ok(T(logits.0.cross_entropy_for_logits(&target.0)))
    }

    fn mse(&self, pred: &T, target: &T) -> Result<T> {
        Ok(T(pred
            .0
            .squeeze_dim(1)
            .mse_loss(&target.0, Reduction::Mean)))
    }

    fn huber(&self, pred: &T, target: &T) -> Result<T> {
        Ok(T(pred.0.smooth_l1_loss(&target.0, Reduction::Mean, 1.0)))
    }

    fn set_buffer(&mut self, name: &str, value: &T) -> Result<()> {
        let copy = tch::no_grad(|| value.0.detach().copy());
        self.buffers.insert(name.to_string(), copy);
        Ok(())
    }

    fn step(&mut self, loss: &T) -> Result<T> {
        self.opt.zero_grad();
        loss.0.backward();
        if let Some(max) = self.max_grad_norm {
            self.opt.clip_grad_norm(max);
        }
        self.opt.step();
        // No `.double_value()` here: on CUDA that host copy waited for every step, while PyTorch
        // reads an epoch's losses once at its end.
        Ok(T(loss.0.detach()))
    }

    fn set_lr(&mut self, lr: f64) {
        self.opt.set_lr(lr);
    }

    fn to_vec_f32(&self, x: &T) -> Result<Vec<f32>> {
        self.transfer();
        Ok(Vec::<f32>::try_from(
            x.0.flatten(0, -1).to_device(Device::Cpu),
        )?)
    }

    fn no_grad<R>(&self, f: impl FnOnce() -> R) -> R {
        tch::no_grad(f)
    }

    fn sync(&self) -> Result<()> {
        // CUDA kernels are asynchronous: without this the timer would stop before the work is done.
        if let Device::Cuda(i) = self.device {
            tch::Cuda::synchronize(i as i64);
        }
        Ok(())
    }

    fn host_transfers(&self) -> u64 {
        self.transfers.get()
    }

    fn save(&self, path: &Path) -> Result<()> {
        let mut all: Vec<(String, Tensor)> = self
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.shallow_clone()))
            .collect();
        all.extend(
            self.buffers
                .iter()
                .map(|(k, v)| (k.clone(), v.shallow_clone())),
        );
        Tensor::write_safetensors(&all, path)?;
        Ok(())
    }
}

fn main() -> Result<()> {
    // rl's agents (pairbench-rl) and the llm domain's sentence encoder (pairbench-llm's BERT), over
    // the same Ops.
    pairbench_deep::cli::main_with::<Tch>(&[
        pairbench_rl::agent::domain::<Tch>(),
        pairbench_llm::encoder::domain::<Tch>(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppo_ops_match_f64_references() {
        let dir = std::env::temp_dir().join(format!("pairbench-tch-ops-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.safetensors");
        Tensor::write_safetensors(
            &[("w", Tensor::zeros([1], (Kind::Float, Device::Cpu)))],
            &path,
        )
        .unwrap();
        let opt = AdamWConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            max_grad_norm: None,
        };
        let e = Tch::load(&path, &["w".to_string()], opt, 1, "cpu").unwrap();
        std::fs::remove_dir_all(&dir).ok();
        pairbench_deep::ops::check_ppo_ops(&e).unwrap();
        pairbench_deep::ops::check_encoder_ops(&e).unwrap();
    }
}
