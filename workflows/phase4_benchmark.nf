// Phase 4 — benchmark execution: every comparable (cell, side) x launch, each a fresh process.
include { RUN_BENCHMARK } from '../modules/local/run_benchmark'

workflow PHASE4_BENCHMARK {
    take:
    comparable
    data
    implementations

    main:
    launches = comparable.combine(Channel.of(1..params.launches))
    RUN_BENCHMARK(launches, data, implementations)

    emit:
    results = RUN_BENCHMARK.out.result
}
