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
    def q = Shell.&quote
    """
    pairbench scaling --benchmarks ${q(params.benchmarks_config)} --frameworks ${q(params.frameworks_config)} \\
        --sizes ${q(params.scaling_sizes)} --algorithms ${q(params.scaling_algorithms)} \\
        --max-fit-s ${q(params.scaling_max_fit_s)} --threads ${q(params.threads)} \\
        --implementations ${Shell.quote(implementations)} --out-dir scaling
    rm -rf scaling/data scaling/cells
    """
}
