//! Empty: cargo resolves this package's `[build-dependencies]` (their features are the point) only when it
//! has a build script.
fn main() {}
