// Phase 3: both sides once on the real split; the quality gate decides whether timing is comparable.
process VALIDATE_CELL {
    tag "${cell_id}"
    label 'process_single'
    publishDir "${params.outdir}/validation", mode: params.publish_dir_mode, overwrite: true, pattern: '*.validation.json'

    input:
    tuple val(cell_id), path(cell)
    path data
    path implementations

    output:
    tuple val(cell_id), path(cell), path("${cell_id}.validation.json"), emit: validated

    script:
    // Cross-validation runs where phase 3 materialised folds (selection.json's cv_folds: --cv_folds, or
    // the catalogue's cross_validation_folds), so no flag is passed here.
    """
    pairbench validate --cell ${Shell.quote(cell)} --data-dir ${Shell.quote(data)} --implementations ${Shell.quote(implementations)} \\
        --timeout ${Shell.quote(params.validation_timeout_s)} \\
        --out ${Shell.quote("${cell_id}.validation.json")}
    """
}
