// Phase 2: cargo build --release of the Rust side; record versions, binary sizes, capabilities.
process BUILD_IMPLEMENTATIONS {
    label 'process_build'
    publishDir "${params.outdir}/implementations", mode: params.publish_dir_mode

    input:
    path selection

    output:
    path 'implementations.json', emit: implementations

    script:
    """
    pairbench build --selection ${Shell.quote(selection)} --out implementations.json
    """
}
