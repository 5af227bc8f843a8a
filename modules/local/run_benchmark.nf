// Phase 4: one measured launch (fresh process) of one side of one cell. A failure is retried; on the
// last attempt `pairbench launch` records a `status: failed` result instead of failing the task.
process RUN_BENCHMARK {
    tag "${cell_id} ${side} #${launch}"
    label 'process_benchmark'
    publishDir "${params.outdir}/raw", mode: params.publish_dir_mode

    input:
    tuple val(cell_id), path(cell), val(side), val(launch)
    path data
    path implementations

    output:
    path "${cell_id}.${side}.${launch}.json", emit: result

    script:
    """
    pairbench launch --cell ${cell} --side ${side} --launch ${launch} --data-dir ${data} \\
        --implementations ${implementations} --out ${cell_id}.${side}.${launch}.json \\
        --attempt ${task.attempt} --max-attempts ${params.max_attempts} --timeout ${params.timeout_s}
    """
}
