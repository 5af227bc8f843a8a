// Phase 3: both sides of each cell once on the real split; the quality gate decides whether timing is
// comparable. A task takes a batch of cells of one domain (--validation_batch_size): their Python sides
// share one worker process per side, because these runs are untimed and a fresh interpreter per cell
// would mostly re-import scikit-learn or torch. Each cell still gets its own report.
process VALIDATE_CELLS {
    tag "${cell_ids[0]}${cell_ids.size() > 1 ? " +${cell_ids.size() - 1}" : ''}"
    label 'process_single'
    publishDir "${params.outdir}/validation", mode: params.publish_dir_mode, overwrite: true, pattern: '*.validation.json'

    input:
    tuple val(cell_ids), path(cells)
    path data
    path implementations

    output:
    tuple val(cell_ids), path(cells), path('*.validation.json'), emit: validated

    script:
    // Cross-validation runs where phase 3 materialised folds (selection.json's cv_folds: --cv_folds, or
    // the catalogue's cross_validation_folds), so no flag is passed here.
    def cell_args = [cells].flatten().collect { cell -> "--cell ${Shell.quote(cell)}" }.join(' ')
    """
    pairbench validate ${cell_args} --data-dir ${Shell.quote(data)} --implementations ${Shell.quote(implementations)} \\
        --timeout ${Shell.quote(params.validation_timeout_s)} \\
        --out-dir .
    """
}
