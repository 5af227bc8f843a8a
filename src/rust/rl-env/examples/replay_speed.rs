//! Environment speed on recorded episodes, the Rust half of `benchmarks/rl_env_speed.py`.
//!
//!     replay_speed ENV FIXTURE SAMPLES        (ENV: cartpole | acrobot)
//!
//! Reads a trace fixture's initial states and actions (tests/fixtures/rl), replays every episode
//! once as warm-up and then SAMPLES times, and prints one JSON line: the steps per sample and the
//! seconds of each sample. Reading and decompressing the fixture are not timed.

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use pairbench_rl_env::{Acrobot, CartPole};

type Episode = ([f64; 4], Vec<u8>);

fn episodes(path: &str) -> Result<Vec<Episode>> {
    let file = std::fs::File::open(path).with_context(|| path.to_string())?;
    let mut buf = Vec::new();
    flate2::read::GzDecoder::new(file).read_to_end(&mut buf)?;
    if buf.get(..8) != Some(b"PBRLTRC1") {
        bail!("{path}: not a pairbench trace file");
    }
    let mut pos = 8;
    let mut take = |n: usize| {
        let s = buf[pos..pos + n].to_vec();
        pos += n;
        s
    };
    let u32_at = |b: Vec<u8>| u32::from_le_bytes(b.try_into().unwrap());
    let f64_at = |b: &[u8]| f64::from_le_bytes(b.try_into().unwrap());
    let n = u32_at(take(4));
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let s = take(32);
        let init = [0, 1, 2, 3].map(|i| f64_at(&s[8 * i..8 * i + 8]));
        let n_steps = u32_at(take(4)) as usize;
        // Per step: action, flags, 4 x f64 state; only the action is replayed.
        let actions = (0..n_steps).map(|_| take(34)[0]).collect();
        out.push((init, actions));
    }
    Ok(out)
}

fn replay_all(env: &str, eps: &[Episode]) -> Result<()> {
    match env {
        "cartpole" => {
            let mut e = CartPole::new();
            for (init, actions) in eps {
                e.reset_to(*init);
                for &a in actions {
                    black_box(e.step(a as usize)?);
                }
            }
        }
        "acrobot" => {
            let mut e = Acrobot::new();
            for (init, actions) in eps {
                e.reset_to(*init);
                for &a in actions {
                    black_box(e.step(a as usize)?);
                }
            }
        }
        other => bail!("env {other:?} unknown; allowed: cartpole, acrobot"),
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [env, path, samples] = args.as_slice() else {
        bail!("usage: replay_speed ENV FIXTURE SAMPLES");
    };
    let samples: usize = samples.parse().context("SAMPLES")?;
    let eps = episodes(path)?;
    let steps: usize = eps.iter().map(|(_, a)| a.len()).sum();
    replay_all(env, &eps)?;
    let mut seconds = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        replay_all(env, &eps)?;
        seconds.push(t.elapsed().as_secs_f64());
    }
    println!("{{\"steps\": {steps}, \"seconds\": {seconds:?}}}");
    Ok(())
}
