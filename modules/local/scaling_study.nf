// Opt-in scaling study: fit time vs n_samples per side on synthetic data, log-log slopes, crossover.
// It waits for every benchmark launch (the `after` input) so it never competes with them for cores.
process SCALING_STUDY {
    label 'process_scaling'
    publishDir "${params.outdir}", mode: params.publish_dir_mode

    input:
    path implementations
    val after

    output:
    path 'scaling', emit: scaling

    script:
    """
    pairbench scaling --benchmarks ${params.benchmarks_config} --frameworks ${params.frameworks_config} \\
        --sizes ${params.scaling_sizes} --algorithms ${params.scaling_algorithms} \\
        --max-fit-s ${params.scaling_max_fit_s} --threads ${params.threads} \\
        --implementations ${implementations} --out-dir scaling
    rm -rf scaling/data scaling/cells
    """
}
