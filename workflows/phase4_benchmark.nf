// Phase 4 — benchmark execution: every comparable (cell, side) x launch, each a fresh process.
// With --max_launches > --launches, launches are adaptive: after the first --launches of every side, the
// cells whose verdict is not settled get launches up to --max_launches (PLAN_LAUNCHES says which).
// Training runs (a cell with its own launch count: rl's `solve`, one launch per seed) come after every
// timing launch, up to --max_parallel_training at once, each on CPUs of its own: their outcomes (steps to
// the threshold, success rate, final return) do not depend on a neighbour, and they are most of rl's time.
include { RUN_BENCHMARK                         } from '../modules/local/run_benchmark'
include { RUN_BENCHMARK as RUN_BENCHMARK_TOPUP } from '../modules/local/run_benchmark'
include { RUN_BENCHMARK as RUN_TRAINING        } from '../modules/local/run_benchmark'
include { PLAN_LAUNCHES                         } from '../modules/local/plan_launches'
include { RECORD_LOST_LAUNCH                    } from '../modules/local/record_lost_launch'

workflow PHASE4_BENCHMARK {
    take:
    comparable
    data
    implementations
    environment   // launches start after the environment capture, whose noise floor needs the cores alone

    main:
    // A cell may set its own launch count (rl's `solve`: one launch per seed, never topped up); 0 means
    // --launches.
    by_kind = comparable
        .map { cell_id, cell, side ->
            tuple(cell_id, cell, side, (new groovy.json.JsonSlurper().parse(cell.toFile()).launches ?: 0) as int)
        }
        .branch { row -> training: row[3] > 0; timing: true }
    first = by_kind.timing.flatMap { cell_id, cell, side, own ->
        (1..params.launches).collect { n -> tuple(cell_id, cell, side, n) }
    }
    training = by_kind.training.flatMap { cell_id, cell, side, own ->
        (1..own).collect { n -> tuple(cell_id, cell, side, n) }
    }
    RUN_BENCHMARK(first, data, implementations, environment)
    reportProgress('phase 4', first, RUN_BENCHMARK.out.result)

    if (params.max_launches > params.launches) {
        PLAN_LAUNCHES(RUN_BENCHMARK.out.result.collect(),
                      comparable.map { cell_id, cell, side -> cell }.unique().collect(), environment)
        cells = comparable.map { cell_id, cell, side -> tuple(cell_id, cell) }.unique { row -> row[0] }
        topups = PLAN_LAUNCHES.out.topups
            .splitCsv(sep: '\t')
            .map { row -> tuple(row[0], row[1], row[2] as int) }
            .combine(cells, by: 0)
            .map { cell_id, side, launch, cell -> tuple(cell_id, cell, side, launch) }
        RUN_BENCHMARK_TOPUP(topups, data, implementations, environment)
        reportProgress('phase 4, extra launches', topups, RUN_BENCHMARK_TOPUP.out.result)
        timing_launches = first.mix(topups)
        timing_files = RUN_BENCHMARK.out.result.mix(RUN_BENCHMARK_TOPUP.out.result)
    } else {
        timing_launches = first
        timing_files = RUN_BENCHMARK.out.result
    }

    // The barrier: one value once every timing launch has finished (also when there were none).
    timing_done = timing_files.collect().ifEmpty([]).map { files -> true }
    RUN_TRAINING(training.combine(timing_done).map { row -> row[0..3] }, data, implementations, environment)
    reportProgress('phase 4, training runs', training, RUN_TRAINING.out.result)
    launches = timing_launches.mix(training)
    produced_files = timing_files.mix(RUN_TRAINING.out.result)

    // A launch killed on its last attempt has no result (its errorStrategy is 'ignore'): find it by
    // its result's name and record it as failed rather than let it vanish.
    expected = launches.map { cell_id, cell, side, launch ->
        tuple("${cell_id}.${side}.${launch}".toString(), cell_id, cell, side, launch)
    }
    produced = produced_files.map { f -> tuple(f.name.replaceAll(/\.json$/, ''), f) }
    lost = expected.join(produced, remainder: true)
        .filter { row -> row[1] != null && (row.size() < 6 || row[5] == null) }
        .map { row -> tuple(row[1], row[2], row[3], row[4]) }
    RECORD_LOST_LAUNCH(lost, data)

    emit:
    results = produced_files.mix(RECORD_LOST_LAUNCH.out.result)
}

// "phase 4: 37/120 launches done (31%), about 9 min left", every 10% or minute.
def reportProgress(label, scheduled, results) {
    def progress = new Progress(label)
    scheduled.count().subscribe { n -> progress.setTotal(n as int) }
    results.subscribe { f ->
        def line = progress.tick()
        if (line) {
            log.info line
        }
    }
}
