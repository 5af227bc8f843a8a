//! Replays CartPole-v1 traces recorded from gymnasium 1.4 (tests/fixtures/rl, written by
//! `python -m pairbench.tasks.rl.traces`) and requires bit-identical f64 states and identical
//! terminated/truncated flags at every step.

use std::io::Read;
use std::path::PathBuf;

use pairbench_rl_env::CartPole;

struct Reader {
    buf: Vec<u8>,
    pos: usize,
}

impl Reader {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let out: [u8; N] = self.buf[self.pos..self.pos + N].try_into().unwrap();
        self.pos += N;
        out
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.take())
    }
    fn state(&mut self) -> [f64; 4] {
        [self.f64(), self.f64(), self.f64(), self.f64()]
    }
}

fn fixture() -> Reader {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/fixtures/rl/cartpole_v1_traces.bin.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut buf)
        .unwrap();
    assert_eq!(&buf[..8], b"PBRLTRC1", "not a pairbench trace file");
    Reader { buf, pos: 8 }
}

#[test]
fn cartpole_replays_gymnasium_bit_for_bit() {
    let mut r = fixture();
    let n_episodes = r.u32();
    assert!(n_episodes >= 1000, "only {n_episodes} episodes recorded");
    let mut env = CartPole::new();
    let (mut steps, mut terminated, mut truncated) = (0usize, 0usize, 0usize);
    for episode in 0..n_episodes {
        let init = r.state();
        let n_steps = r.u32();
        let obs = env.reset_to(init);
        assert_eq!(obs, init.map(|v| v as f32));
        for t in 0..n_steps {
            let action = r.u8() as usize;
            let flags = r.u8();
            let want = r.state();
            let step = env.step(action).unwrap();
            let (got_bits, want_bits) = (env.state.map(f64::to_bits), want.map(f64::to_bits));
            assert_eq!(
                got_bits, want_bits,
                "episode {episode} step {t}: state {:?} != gymnasium {want:?}",
                env.state
            );
            assert_eq!(step.obs, want.map(|v| v as f32));
            assert_eq!(step.reward, 1.0);
            assert_eq!(
                (step.terminated, step.truncated),
                (flags & 1 != 0, flags & 2 != 0),
                "episode {episode} step {t}: flags"
            );
            let last = t + 1 == n_steps;
            assert_eq!(
                step.terminated || step.truncated,
                last,
                "episode {episode} step {t}: end of episode"
            );
            terminated += usize::from(step.terminated);
            truncated += usize::from(step.truncated);
            steps += 1;
        }
    }
    assert_eq!(r.pos, r.buf.len(), "trailing bytes in the fixture");
    // The fixture must exercise both ways an episode ends, or the flag checks prove nothing.
    assert!(
        terminated > 0 && truncated > 0,
        "{terminated} terminated, {truncated} truncated"
    );
    eprintln!("{n_episodes} episodes, {steps} steps replayed exactly ({terminated} terminated, {truncated} truncated)");
}

#[test]
fn invalid_action_is_an_error() {
    let mut env = CartPole::new();
    env.reset_to([0.0; 4]);
    let err = env.step(2).unwrap_err().to_string();
    assert!(err.contains("allowed: 0, 1"), "{err}");
}
