// Phase 3: machine and software facts that could explain a difference.
process CAPTURE_ENVIRONMENT {
    label 'process_single'
    publishDir "${params.outdir}/environment", mode: params.publish_dir_mode, overwrite: true

    input:
    path implementations
    val after   // every validation has finished: the load recorded is the machine's, not phase 3's

    output:
    path 'environment.json', emit: environment

    script:
    """
    pairbench environment --threads ${Shell.quote(params.threads)} --out environment.json
    """
}
