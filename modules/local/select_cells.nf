// Phase 1: validate params + config, choose the cells, write one spec per cell.
process SELECT_CELLS {
    tag "${run_id}"
    label 'process_single'
    publishDir "${params.outdir}/selection", mode: params.publish_dir_mode

    input:
    val run_id
    path benchmarks_config
    path frameworks_config
    val params_json

    output:
    path 'selection.json', emit: selection
    path 'cells/*.json',   emit: cells

    script:
    """
    cat > params.json <<'PAIRBENCH_PARAMS'
    ${params_json}
    PAIRBENCH_PARAMS
    pairbench select --benchmarks ${Shell.quote(benchmarks_config)} --frameworks ${Shell.quote(frameworks_config)} \\
        --params params.json --run-id ${Shell.quote(run_id)} --out-dir .
    """
}
