//! Embed the resolved candle version so results record what ran.

include!("../build-support/locked_version.rs");

fn main() {
    println!(
        "cargo:rustc-env=PAIRBENCH_CANDLE_VERSION={}",
        locked_version("candle-core")
    );
}
