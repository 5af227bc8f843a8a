// Phase 5: tidy tables, comparisons with bootstrap CIs + Holm-corrected tests, rankings,
// recommendations, cost, history (DuckDB; regressions against params.baseline_run), figures.
process ANALYSE_RESULTS {
    label 'process_analysis'
    publishDir "${params.outdir}", mode: params.publish_dir_mode

    input:
    path results, stageAs: 'raw/*'
    path validations, stageAs: 'validation/*'

    output:
    path 'analysis', emit: analysis

    script:
    def requirements = params.requirements ? "--requirements ${params.requirements}" : ''
    def history = params.history_db ? "--history-db ${file(params.history_db)}" : ''
    def baseline = params.baseline_run ? "--baseline-run ${params.baseline_run}" : ''
    def fail = params.fail_on_regression ? '--fail-on-regression' : ''
    """
    mkdir -p raw validation
    pairbench analyse --results-dir raw --validation-dir validation --out-dir analysis \\
        --alpha ${params.alpha} --noise ${params.noise} --resamples ${params.resamples} \\
        --analysis-config ${params.analysis_config} --hardware ${params.hardware_config} \\
        --hardware-profile ${params.hardware_profile} ${requirements} ${history} ${baseline} ${fail}
    """
}
