// Phase 5: tidy tables, paired comparisons over rounds with the four outcomes at --delta, rankings,
// recommendations, cost, history (DuckDB; regressions against params.baseline_run), figures.
process ANALYSE_RESULTS {
    label 'process_analysis'
    publishDir "${params.outdir}", mode: params.publish_dir_mode, overwrite: true

    input:
    path results, stageAs: 'raw/*'
    path validations, stageAs: 'validation/*'
    path selection, stageAs: 'selection.json'   // run_settings from the catalogue (alpha, power); cells, fixtures
    path implementations, stageAs: 'implementations.json'   // phase 2's measured facts: the ecosystem tables

    output:
    path 'analysis', emit: analysis

    script:
    // Every param is one quoted shell word (lib/Shell.groovy): a hostile value cannot run commands.
    def q = Shell.&quote
    def requirements = params.requirements ? "--requirements ${q(params.requirements)}" : ''
    def history = params.history_db ? "--history-db ${q(file(params.history_db))}" : ''
    def baseline = params.baseline_run ? "--baseline-run ${q(params.baseline_run)}" : ''
    def fail = params.fail_on_regression ? '--fail-on-regression' : ''
    """
    mkdir -p raw validation
    pairbench analyse --results-dir raw --validation-dir validation --out-dir analysis \\
        --selection selection.json --implementations implementations.json --launches 1 --trace-dir ${q(file(params.outdir).toAbsolutePath().resolve('pipeline_info'))} \\
        --alpha ${q(params.alpha)} --delta ${q(params.delta)} --resamples ${q(params.resamples)} \\
        --analysis-config ${q(params.analysis_config)} --hardware ${q(params.hardware_config)} \\
        --hardware-profile ${q(params.hardware_profile)} ${requirements} ${history} ${baseline} ${fail}
    """
}
