// Shared by the benchmark binaries' build scripts through `include!`: build scripts cannot depend on
// a workspace crate without compiling it twice, and this is all they need from one.

/// The version of `crate_name` resolved in the workspace Cargo.lock, so results record what ran.
fn locked_version(crate_name: &str) -> String {
    let lock = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../Cargo.lock");
    println!("cargo:rerun-if-changed={lock}");
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let wanted = format!("name = \"{crate_name}\"");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line == wanted {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return v.trim_end_matches('"').to_string();
            }
        }
    }
    String::from("unknown")
}
