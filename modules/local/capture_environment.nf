// Phase 3: machine and software facts that could explain a difference.
process CAPTURE_ENVIRONMENT {
    label 'process_single'
    publishDir "${params.outdir}/environment", mode: params.publish_dir_mode

    input:
    path implementations

    output:
    path 'environment.json', emit: environment

    script:
    """
    pairbench environment --threads ${Shell.quote(params.threads)} --out environment.json
    """
}
