//! Hostile input to the parsers every binary runs first: no input may panic, and no manifest may
//! name a file outside its data folder.

use std::fs;

use pairbench_core::cell::{is_safe_name, Cell};
use pairbench_core::dataset::{contained_path, Manifest};
use proptest::prelude::*;

const CELL: &str = r#"{"cell_id": "c1", "run_id": "r", "domain": "classical_ml", "task": "regression",
  "algorithm": "ridge", "dataset": "diabetes", "params": {}, "frameworks": [], "seed": 1,
  "dtype": "float64", "threads": 1, "warmup": 1, "samples": 1}"#;

proptest! {
    // No regression files written into the source tree: a failure prints its minimal input instead.
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn cell_parser_never_panics(text in ".*") {
        let _ = Cell::parse(&text);
    }

    #[test]
    fn manifest_parser_never_panics(text in ".*") {
        let _ = Manifest::parse(&text);
    }

    #[test]
    fn cell_parser_never_panics_on_mutated_json(pos in 0usize..300, byte in any::<u8>()) {
        let mut bytes = CELL.as_bytes().to_vec();
        let i = pos % bytes.len();
        bytes[i] = byte;
        let _ = Cell::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn any_dataset_name_in_a_parsed_cell_is_safe(name in ".*") {
        let text = CELL.replace("\"diabetes\"", &serde_json::to_string(&name).unwrap());
        if let Ok(cell) = Cell::parse(&text) {
            prop_assert!(is_safe_name(&cell.dataset));
            prop_assert!(!cell.dataset.contains('/') && cell.dataset != "..");
        }
    }

    #[test]
    fn contained_path_stays_inside(file in "[./a-z]{0,12}") {
        let dir = std::env::temp_dir().join("pairbench-contained-fuzz");
        fs::create_dir_all(&dir).unwrap();
        if let Ok(path) = contained_path(&dir, &file) {
            prop_assert!(path.starts_with(&dir));
            prop_assert!(!file.split('/').any(|c| c == ".." || c == "."));
            prop_assert!(!file.starts_with('/'));
        }
    }
}

#[test]
fn escaping_manifest_paths_are_refused() {
    let dir = std::env::temp_dir().join("pairbench-contained-cases");
    fs::create_dir_all(dir.join("sub")).unwrap();
    for bad in [
        "../x.npy",
        "../../etc/passwd",
        "/etc/passwd",
        "sub/../../x.npy",
        "",
        "./x.npy",
    ] {
        let err = contained_path(&dir, bad).unwrap_err().to_string();
        assert!(err.contains("not a plain relative path"), "{bad}: {err}");
    }
    assert!(contained_path(&dir, "X_train.npy").is_ok());
    assert!(contained_path(&dir, "sub/X_train.npy").is_ok());
    // A link that leads out of the folder is refused once it resolves.
    let link = dir.join("escape.npy");
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
    let err = contained_path(&dir, "escape.npy").unwrap_err().to_string();
    assert!(err.contains("outside the data folder"), "{err}");
}

#[test]
fn unsafe_names_in_a_cell_are_refused_with_the_pattern() {
    for bad in ["../../../../tmp/x", "my data", "..", "a;b", ""] {
        let text = CELL.replace("\"diabetes\"", &serde_json::to_string(bad).unwrap());
        let err = format!("{:#}", Cell::parse(&text).unwrap_err());
        assert!(
            err.contains("dataset: invalid name") && err.contains("allowed: [A-Za-z0-9_.-]+"),
            "{bad}: {err}"
        );
    }
    assert!(Cell::parse(CELL).is_ok());
}
