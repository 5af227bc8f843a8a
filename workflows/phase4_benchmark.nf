// Phase 4 — benchmark execution: every comparable (cell, side) x launch, each a fresh process.
include { RUN_BENCHMARK      } from '../modules/local/run_benchmark'
include { RECORD_LOST_LAUNCH } from '../modules/local/record_lost_launch'

workflow PHASE4_BENCHMARK {
    take:
    comparable
    data
    implementations
    environment   // launches start after the environment capture, whose noise floor needs the cores alone

    main:
    // A cell may set its own launch count (rl's `solve`: one launch per seed); 0 means --launches.
    launches = comparable.flatMap { cell_id, cell, side ->
        def own = new groovy.json.JsonSlurper().parse(cell.toFile()).launches ?: 0
        (1..(own > 0 ? own : params.launches)).collect { n -> tuple(cell_id, cell, side, n) }
    }
    RUN_BENCHMARK(launches, data, implementations, environment)
    // A launch killed on its last attempt has no result (its errorStrategy is 'ignore'): find it by
    // its result's name and record it as failed rather than let it vanish.
    expected = launches.map { cell_id, cell, side, launch ->
        tuple("${cell_id}.${side}.${launch}".toString(), cell_id, cell, side, launch)
    }
    produced = RUN_BENCHMARK.out.result.map { f -> tuple(f.name.replaceAll(/\.json$/, ''), f) }
    lost = expected.join(produced, remainder: true)
        .filter { row -> row[1] != null && (row.size() < 6 || row[5] == null) }
        .map { row -> tuple(row[1], row[2], row[3], row[4]) }
    RECORD_LOST_LAUNCH(lost, data)

    emit:
    results = RUN_BENCHMARK.out.result.mix(RECORD_LOST_LAUNCH.out.result)
}
