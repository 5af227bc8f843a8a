// Phase 4: the rounds of one cell (pairbench rounds, harness/rounds.py). A round launches every side once,
// each a fresh process, in a seeded random order, back to back on the CPUs the task claimed; rounds go on
// until every pair against the baseline is decided or the cell reaches --max_rounds or --cell_budget_s.
// One task per cell keeps the sides of a round seconds apart, on one node (Slurm included), and lets
// -resume reuse every finished cell. A failed launch is retried inside the task and recorded as a
// `status: failed` result; a task killed outright is retried, then recorded as lost by phase 4.
process RUN_ROUNDS {
    tag "${cell_id}"
    label 'process_benchmark'
    publishDir "${params.outdir}/raw", mode: params.publish_dir_mode, overwrite: true,
        saveAs: { name -> name.startsWith('results/') ? name.substring('results/'.length()) : null }
    publishDir "${params.outdir}/rounds", mode: params.publish_dir_mode, overwrite: true, pattern: '*.rounds.json'

    input:
    tuple val(cell_id), path(cell), val(sides), val(threads)   // threads: the cell's, for `cpus` (conf/base.config)
    path data
    path implementations
    path environment, stageAs: 'environment.json'   // ordering only: rounds follow the environment capture

    output:
    path 'results/*.json', emit: results
    path "${cell_id}.rounds.json", emit: record

    script:
    // Every value is one quoted shell word (lib/Shell.groovy): a hostile name cannot run commands.
    def q = Shell.&quote
    def aa = params.aa ? '--aa' : ''
    def common = "--cell ${q(cell)} --sides ${q(sides.join(','))} --data-dir ${q(data)} --out-dir results " +
                 "--record ${q("${cell_id}.rounds.json")} ${aa}"
    """
    status=0
    pairbench rounds ${common} --implementations ${q(implementations)} \\
        --min-rounds ${q(params.min_rounds)} --max-rounds ${q(params.max_rounds)} --budget-s ${q(params.cell_budget_s)} \\
        --delta ${q(params.delta)} --alpha ${q(params.alpha)} --seed ${q(params.order_seed)} \\
        --timeout ${q(params.timeout_s)} --max-attempts ${q(params.max_attempts)} || status=\$?
    # A runner killed from outside (kill -9, the OOM killer) leaves its finished launches and no record. Retry
    # it; on the last attempt keep what finished and record the rest as lost, with this task's hash and exit status.
    if [ "\$status" -ne 0 ] || [ ! -s ${q("${cell_id}.rounds.json")} ]; then
        if [ ${q(task.attempt)} -lt ${q(params.max_attempts)} ]; then
            exit \$(( status == 0 ? 1 : status ))
        fi
        pairbench rounds ${common} --record-lost "\$status" \\
            --task-hash "\$(basename "\$(dirname "\$PWD")")/\$(basename "\$PWD")"
    fi
    """
}
