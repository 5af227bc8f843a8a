// Phase 5: tidy tables, comparisons with bootstrap CIs + Holm-corrected tests, figures.
process ANALYSE_RESULTS {
    label 'process_single'
    publishDir "${params.outdir}", mode: params.publish_dir_mode

    input:
    path results, stageAs: 'raw/*'
    path validations, stageAs: 'validation/*'

    output:
    path 'analysis', emit: analysis

    script:
    """
    mkdir -p raw validation
    pairbench analyse --results-dir raw --validation-dir validation --out-dir analysis \\
        --alpha ${params.alpha} --noise ${params.noise} --resamples ${params.resamples}
    """
}
