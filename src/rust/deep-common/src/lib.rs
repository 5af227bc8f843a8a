//! Framework-neutral half of pairbench's deep-learning binaries: the models (written once over
//! [`ops::Ops`]), the data and batch order, the training/inference phases and the CLI. The
//! `pairbench-candle` and `pairbench-tch` binaries only implement [`ops::Engine`]. The RL agents reuse
//! the same trait, so one DQN ([`rl`]) and one PPO ([`ppo`]) run on both frameworks, behind one
//! lockstep-agent layer ([`agent`]).

pub mod agent;
pub mod bench;
pub mod cli;
pub mod models;
pub mod ops;
pub mod ppo;
pub mod rl;
pub mod rl_eval;
