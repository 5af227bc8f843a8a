// Phase 4, adaptive launches (--max_launches > --launches): after every side's first launches, the cells
// whose verdict is not settled get more (the rule: pairbench/analysis/sequential.py). The plan, with
// each cell's reason, is published beside the execution reports.
process PLAN_LAUNCHES {
    label 'process_single'
    publishDir "${params.outdir}/pipeline_info", mode: params.publish_dir_mode, overwrite: true, pattern: 'launch_plan.json'

    input:
    path results, stageAs: 'first/*'
    path environment, stageAs: 'environment.json'

    output:
    path 'launch_plan.json', emit: plan
    path 'topups.tsv', emit: topups

    script:
    def q = Shell.&quote
    """
    pairbench plan-launches --results-dir first --launches ${q(params.launches)} \\
        --max-launches ${q(params.max_launches)} --noise ${q(params.noise)} --environment environment.json \\
        --out launch_plan.json --topups topups.tsv
    """
}
