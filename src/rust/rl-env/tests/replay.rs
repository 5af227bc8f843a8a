//! Replays CartPole-v1 and Acrobot-v1 traces recorded from gymnasium 1.4 (tests/fixtures/rl,
//! written by `python -m pairbench.tasks.rl.traces`) and requires bit-identical f64 states and
//! identical rewards and terminated/truncated flags at every step.

use std::f64::consts::PI;
use std::io::Read;
use std::path::PathBuf;

use pairbench_rl_env::{acrobot, cartpole, Acrobot, CartPole};

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

fn fixture(name: &str) -> Reader {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/fixtures/rl")
        .join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut buf)
        .unwrap();
    assert_eq!(&buf[..8], b"PBRLTRC1", "not a pairbench trace file");
    Reader { buf, pos: 8 }
}

/// One environment as the replay sees it: its step as gymnasium's (obs, reward, terminated,
/// truncated), and what gymnasium observes and pays for a recorded state, written independently of
/// the environment's own code.
trait Replayed {
    fn reset(&mut self, init: [f64; 4]) -> Vec<f32>;
    fn step(&mut self, action: usize) -> (Vec<f32>, f32, bool, bool);
    fn state(&self) -> [f64; 4];
    fn expected_obs(state: [f64; 4]) -> Vec<f32>;
    fn expected_reward(terminated: bool) -> f32;
}

impl Replayed for CartPole {
    fn reset(&mut self, init: [f64; 4]) -> Vec<f32> {
        self.reset_to(init).to_vec()
    }
    fn step(&mut self, action: usize) -> (Vec<f32>, f32, bool, bool) {
        let s = CartPole::step(self, action).unwrap();
        (s.obs.to_vec(), s.reward, s.terminated, s.truncated)
    }
    fn state(&self) -> [f64; 4] {
        self.state
    }
    fn expected_obs(state: [f64; 4]) -> Vec<f32> {
        state.map(|v| v as f32).to_vec()
    }
    fn expected_reward(_terminated: bool) -> f32 {
        1.0
    }
}

impl Replayed for Acrobot {
    fn reset(&mut self, init: [f64; 4]) -> Vec<f32> {
        self.reset_to(init).to_vec()
    }
    fn step(&mut self, action: usize) -> (Vec<f32>, f32, bool, bool) {
        let s = Acrobot::step(self, action).unwrap();
        (s.obs.to_vec(), s.reward, s.terminated, s.truncated)
    }
    fn state(&self) -> [f64; 4] {
        self.state
    }
    fn expected_obs([t1, t2, d1, d2]: [f64; 4]) -> Vec<f32> {
        vec![
            t1.cos() as f32,
            t1.sin() as f32,
            t2.cos() as f32,
            t2.sin() as f32,
            d1 as f32,
            d2 as f32,
        ]
    }
    fn expected_reward(terminated: bool) -> f32 {
        if terminated {
            0.0
        } else {
            -1.0
        }
    }
}

/// Replays every episode of `file`; `visit` sees each step's state before and after.
fn replay<E: Replayed>(
    env: &mut E,
    file: &str,
    n_actions: usize,
    mut visit: impl FnMut([f64; 4], [f64; 4]),
) {
    let mut r = fixture(file);
    let n_episodes = r.u32();
    assert!(n_episodes >= 1000, "only {n_episodes} episodes recorded");
    let (mut steps, mut terminated, mut truncated) = (0usize, 0usize, 0usize);
    for episode in 0..n_episodes {
        let init = r.state();
        let n_steps = r.u32();
        assert_eq!(env.reset(init), E::expected_obs(init));
        let mut before = init;
        for t in 0..n_steps {
            let action = r.u8() as usize;
            assert!(
                action < n_actions,
                "episode {episode} step {t}: action {action}"
            );
            let flags = r.u8();
            let want = r.state();
            let (obs, reward, term, trunc) = env.step(action);
            let got = env.state();
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "episode {episode} step {t}: state {got:?} != gymnasium {want:?}"
            );
            assert_eq!(obs, E::expected_obs(want));
            assert_eq!(reward, E::expected_reward(term));
            assert_eq!(
                (term, trunc),
                (flags & 1 != 0, flags & 2 != 0),
                "episode {episode} step {t}: flags"
            );
            let last = t + 1 == n_steps;
            assert_eq!(
                term || trunc,
                last,
                "episode {episode} step {t}: end of episode"
            );
            visit(before, want);
            before = want;
            terminated += usize::from(term);
            truncated += usize::from(trunc);
            steps += 1;
        }
    }
    assert_eq!(r.pos, r.buf.len(), "trailing bytes in the fixture");
    // The fixture must exercise both ways an episode ends, or the flag checks prove nothing.
    assert!(
        terminated > 0 && truncated > 0,
        "{terminated} terminated, {truncated} truncated"
    );
    eprintln!("{file}: {n_episodes} episodes, {steps} steps replayed exactly ({terminated} terminated, {truncated} truncated)");
}

#[test]
fn cartpole_replays_gymnasium_bit_for_bit() {
    replay(
        &mut CartPole::new(),
        "cartpole_v1_traces.bin.gz",
        cartpole::N_ACTIONS,
        |_, _| {},
    );
}

#[test]
fn acrobot_replays_gymnasium_bit_for_bit() {
    let (mut wraps, mut clipped) = (0usize, 0usize);
    replay(
        &mut Acrobot::new(),
        "acrobot_v1_traces.bin.gz",
        acrobot::N_ACTIONS,
        |before, after| {
            // An angle that jumps between near +pi and near -pi crossed the seam and was wrapped
            // (passing through 0 instead would take a 5 rad step).
            wraps += (0..2)
                .filter(|&i| {
                    before[i] * after[i] < 0.0 && before[i].abs().min(after[i].abs()) > 2.5
                })
                .count();
            clipped += usize::from(after[2].abs() == 4.0 * PI || after[3].abs() == 9.0 * PI);
        },
    );
    // Without wrapped angles and clipped velocities the fixture would not test `wrap` and `bound`.
    assert!(wraps > 0 && clipped > 0, "{wraps} wraps, {clipped} clipped");
    eprintln!("acrobot: {wraps} angle wraps, {clipped} steps with a velocity at its bound");
}

#[test]
fn invalid_action_is_an_error() {
    let mut env = CartPole::new();
    env.reset_to([0.0; 4]);
    let err = env.step(2).unwrap_err().to_string();
    assert!(err.contains("allowed: 0, 1"), "{err}");
    let mut env = Acrobot::new();
    env.reset_to([0.0; 4]);
    let err = env.step(3).unwrap_err().to_string();
    assert!(err.contains("allowed: 0, 1, 2"), "{err}");
}
