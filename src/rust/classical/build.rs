//! Embed the resolved linfa version so results record what ran.

include!("../build-support/locked_version.rs");

fn main() {
    println!(
        "cargo:rustc-env=PAIRBENCH_LINFA_VERSION={}",
        locked_version("linfa")
    );
}
