//! Quality metrics computed natively on the Rust side (same definitions as pairbench.metrics).

use std::collections::BTreeMap;

use ndarray::ArrayView1;

/// MSE, RMSE, MAE, R², MAPE, explained variance, residual std/skew/kurtosis (population moments,
/// Fisher kurtosis, as scipy.stats' defaults). R² and explained variance are None for a constant target.
pub fn regression_quality(
    y_true: ArrayView1<f64>,
    y_pred: ArrayView1<f64>,
) -> BTreeMap<String, Option<f64>> {
    assert_eq!(
        y_true.len(),
        y_pred.len(),
        "y_true and y_pred differ in length"
    );
    let n = y_true.len() as f64;
    let residual = &y_true - &y_pred;
    let mean = |v: &ndarray::Array1<f64>| v.sum() / n;
    let r_mean = mean(&residual);
    let t_mean = y_true.sum() / n;
    let sse: f64 = residual.iter().map(|r| r * r).sum();
    let sst: f64 = y_true.iter().map(|t| (t - t_mean).powi(2)).sum();
    let var_t = sst / n;
    let central = |k: i32| residual.iter().map(|r| (r - r_mean).powi(k)).sum::<f64>() / n;
    let (m2, m3, m4) = (central(2), central(3), central(4));
    let mse = sse / n;
    let mape = y_true
        .iter()
        .zip(residual.iter())
        .map(|(t, r)| r.abs() / t.abs().max(f64::EPSILON))
        .sum::<f64>()
        / n;
    let mut q = BTreeMap::new();
    q.insert("mse".into(), Some(mse));
    q.insert("rmse".into(), Some(mse.sqrt()));
    q.insert(
        "mae".into(),
        Some(residual.iter().map(|r| r.abs()).sum::<f64>() / n),
    );
    q.insert("r2".into(), (sst != 0.0).then(|| 1.0 - sse / sst));
    q.insert("mape".into(), Some(mape));
    q.insert(
        "explained_variance".into(),
        (var_t != 0.0).then(|| 1.0 - m2 / var_t),
    );
    q.insert("residual_std".into(), Some(m2.sqrt()));
    q.insert(
        "residual_skew".into(),
        (m2 > 0.0 && n > 2.0).then(|| m3 / m2.powf(1.5)),
    );
    q.insert(
        "residual_kurtosis".into(),
        (m2 > 0.0 && n > 3.0).then(|| m4 / (m2 * m2) - 3.0),
    );
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("metric present");
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn matches_hand_computed_values() {
        // residuals 0.5, -0.5, 0, -1; mean(y) = 2.875, SST = 29.1875
        let t = array![3.0, -0.5, 2.0, 7.0];
        let p = array![2.5, 0.0, 2.0, 8.0];
        let q = regression_quality(t.view(), p.view());
        close(q["mse"], 0.375);
        close(q["rmse"], 0.375f64.sqrt());
        close(q["mae"], 0.5);
        // scikit-learn documentation example: r2_score == 0.948...
        close(q["r2"], 1.0 - 1.5 / 29.1875);
    }

    #[test]
    fn constant_target_has_no_r2() {
        let t = array![1.0, 1.0, 1.0];
        let q = regression_quality(t.view(), t.view());
        assert_eq!(q["r2"], None);
        assert_eq!(q["explained_variance"], None);
        close(q["mse"], 0.0);
    }
}
