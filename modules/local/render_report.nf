// Phase 6: ecosystem assessment + the final report (self-contained HTML, Markdown, JSON).
process RENDER_REPORT {
    label 'process_single'
    publishDir "${params.outdir}", mode: params.publish_dir_mode

    input:
    path analysis
    path selection
    path environment
    path implementations
    path scaling, stageAs: 'scaling_in/*'

    output:
    path 'report', emit: report

    script:
    def scaling_arg = scaling ? '--scaling-dir scaling_in/scaling' : ''
    """
    pairbench report --analysis-dir ${Shell.quote(analysis)} --selection ${Shell.quote(selection)} --environment ${Shell.quote(environment)} \\
        --implementations ${Shell.quote(implementations)} ${scaling_arg} --out-dir report
    """
}
