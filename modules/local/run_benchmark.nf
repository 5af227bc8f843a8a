// Phase 4: one launch (fresh process) of one side of one cell: rl's training runs (a seed per launch; timed
// cells run in rounds, run_rounds.nf). A failure is retried; on the last attempt `pairbench launch`
// records a `status: failed` result instead of failing the task.
process RUN_BENCHMARK {
    tag "${cell_id} ${side} #${launch}"
    label 'process_benchmark'
    publishDir "${params.outdir}/raw", mode: params.publish_dir_mode, overwrite: true

    input:
    tuple val(cell_id), path(cell), val(side), val(launch), val(threads)   // threads: the cell's, for `cpus`
    path data
    path implementations
    path environment, stageAs: 'environment.json'   // ordering only: launches follow the environment capture

    output:
    path "${cell_id}.${side}.${launch}.json", emit: result

    script:
    // Every value is one quoted shell word (lib/Shell.groovy): a hostile name cannot run commands.
    def q = Shell.&quote
    def out = "${cell_id}.${side}.${launch}.json"
    def common = "--cell ${q(cell)} --side ${q(side)} --launch ${q(launch)} --data-dir ${q(data)} " +
                 "--implementations ${q(implementations)} --out ${q(out)} " +
                 "--attempt ${q(task.attempt)} --max-attempts ${q(params.max_attempts)}"
    """
    status=0
    pairbench launch ${common} --timeout ${q(params.timeout_s)} || status=\$?
    # A launcher killed from outside (kill -9, the OOM killer) writes nothing. Retry it; on the last
    # attempt record it as a lost launch, with this task's hash and exit status, instead of losing it.
    if [ "\$status" -ne 0 ] || [ ! -s ${q(out)} ]; then
        if [ ${q(task.attempt)} -lt ${q(params.max_attempts)} ]; then
            exit \$(( status == 0 ? 1 : status ))
        fi
        pairbench launch ${common} --record-lost "\$status" \\
            --task-hash "\$(basename "\$(dirname "\$PWD")")/\$(basename "\$PWD")"
    fi
    """
}
