// Phase 3: both sides once on the real split; the quality gate decides whether timing is comparable.
process VALIDATE_CELL {
    tag "${cell_id}"
    label 'process_single'
    publishDir "${params.outdir}/validation", mode: params.publish_dir_mode, pattern: '*.validation.json'

    input:
    tuple val(cell_id), path(cell)
    path data
    path implementations

    output:
    tuple val(cell_id), path(cell), path("${cell_id}.validation.json"), emit: validated

    script:
    """
    pairbench validate --cell ${Shell.quote(cell)} --data-dir ${Shell.quote(data)} --implementations ${Shell.quote(implementations)} \\
        --timeout ${Shell.quote(params.validation_timeout_s)} --cv ${(params.cv_folds as int) > 0} \\
        --out ${Shell.quote("${cell_id}.validation.json")}
    """
}
