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
    pairbench validate --cell ${cell} --data-dir ${data} --implementations ${implementations} \\
        --timeout ${params.validation_timeout_s} --out ${cell_id}.validation.json
    """
}
