//! The serde structs and schemas/result.schema.json must describe the same document.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pairbench_core::schema::{
    DatasetInfo, Framework, PhaseTiming, Resources, ResultDoc, Status, Timing, SCHEMA_VERSION,
};
use serde_json::{json, Value};

fn schema() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../schemas/result.schema.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("schema file readable"))
        .expect("schema is JSON")
}

fn sample() -> ResultDoc {
    let mut phases = BTreeMap::new();
    phases.insert(
        "fit".into(),
        PhaseTiming {
            unit: "s".into(),
            warmup: 2,
            samples: vec![0.001, 0.0012, 0.0011],
            batch: Some(4),
            warmup_s: Some(0.1),
            cpu_samples: Some(vec![0.001, 0.0011, 0.0011]),
        },
    );
    ResultDoc {
        schema_version: SCHEMA_VERSION.into(),
        run_id: "run-1".into(),
        cell_id: "regression.ridge.diabetes.alpha=1".into(),
        launch: 1,
        language: "rust".into(),
        framework: Framework {
            name: "linfa".into(),
            version: "0.8.1".into(),
            backend: "pure-rust".into(),
        },
        domain: "classical_ml".into(),
        task: "regression".into(),
        algorithm: "ridge".into(),
        dataset: DatasetInfo {
            name: "diabetes".into(),
            n_train: 353,
            n_test: 89,
            n_features: 10,
            sha256: "a".repeat(64),
        },
        params: BTreeMap::from([("alpha".to_string(), json!(1.0))]),
        seed: 42,
        dtype: "float64".into(),
        threads: 1,
        quality: BTreeMap::from([
            ("r2".to_string(), Some(0.45)),
            ("residual_skew".to_string(), None),
        ]),
        timing: Timing { phases },
        resources: Resources {
            peak_rss_mb: Some(12.5),
            cpu_percent: Some(99.0),
            cpu_user_s: Some(0.8),
            cpu_sys_s: Some(0.05),
        },
        status: Status::Ok,
        error: None,
        started_at: "2026-11-24T13:00:00.000Z".into(),
        finished_at: "2026-11-24T13:00:01.000Z".into(),
        host: "localhost".into(),
        cpu_model: Some("AMD EPYC 7B13".into()),
        metadata: BTreeMap::new(),
    }
}

fn errors(doc: &Value) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn serialised_result_validates_and_round_trips() {
    let doc = sample();
    let value = serde_json::to_value(&doc).unwrap();
    assert_eq!(errors(&value), Vec::<String>::new());
    let back: ResultDoc = serde_json::from_value(value).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn schema_rejects_what_it_should() {
    let mut failed_without_error = serde_json::to_value(sample()).unwrap();
    failed_without_error["status"] = json!("failed");
    assert!(
        !errors(&failed_without_error).is_empty(),
        "a failed result must carry its error text"
    );

    let mut unknown_language = serde_json::to_value(sample()).unwrap();
    unknown_language["language"] = json!("julia");
    assert!(!errors(&unknown_language).is_empty());

    let mut negative_sample = serde_json::to_value(sample()).unwrap();
    negative_sample["timing"]["phases"]["fit"]["samples"] = json!([-1.0]);
    assert!(!errors(&negative_sample).is_empty());
}

#[test]
fn written_file_is_the_same_document() {
    let dir = std::env::temp_dir().join(format!("pairbench-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("result.json");
    sample().write(&path).unwrap();
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(errors(&value), Vec::<String>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_result_without_cpu_model_is_still_schema_v1() {
    let mut old = serde_json::to_value(sample()).unwrap();
    old.as_object_mut().unwrap().remove("cpu_model");
    assert_eq!(errors(&old), Vec::<String>::new());
    let back: ResultDoc = serde_json::from_value(old).unwrap();
    assert_eq!(back.cpu_model, None);
    let measured = pairbench_core::measure::cpu_model();
    assert!(!measured.is_empty());
}
