// Phase 4: a launch whose every attempt was killed before `pairbench launch` could record a result
// (scancel, preemption, the scheduler's time limit, a node failure) still ends as a `status: failed`
// result, so analysis and the report count it instead of losing it. Writing one JSON file needs no
// cluster node: it runs where Nextflow runs.
process RECORD_LOST_LAUNCH {
    tag "${cell_id} ${side} #${launch}"
    label 'process_single'
    executor 'local'
    publishDir "${params.outdir}/raw", mode: params.publish_dir_mode, overwrite: true

    input:
    tuple val(cell_id), path(cell), val(side), val(launch)
    path data

    output:
    path "${cell_id}.${side}.${launch}.json", emit: result

    script:
    def reason = "no result after ${params.max_attempts} attempt(s): every attempt was killed before pairbench " +
                 "launch could record one (cancelled, preempted, past its time limit, or its node failed); " +
                 "exit statuses are in pipeline_info/execution_trace_*.txt"
    def q = Shell.&quote
    """
    pairbench launch --cell ${q(cell)} --side ${q(side)} --launch ${q(launch)} --data-dir ${q(data)} \\
        --out ${q("${cell_id}.${side}.${launch}.json")} --lost ${q(reason)}
    """
}
