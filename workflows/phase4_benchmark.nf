// Phase 4 — benchmark execution.
// Timed cells run in rounds (RUN_ROUNDS, one task per cell): every round launches each comparable side of the
// cell once, in a seeded random order, back to back, each launch a fresh process; a cell gets --min_rounds
// rounds and more while a pair against its baseline is inconclusive (up to --max_rounds / --cell_budget_s).
// Training runs (a cell with its own launch count: rl's `solve`, one launch per seed) keep their own
// scheduling after every timed cell, up to --max_parallel_training at once, each on CPUs of its own: seed 1
// of every side, then seed 2 of every side, and so on, so that no side's seeds run together.
include { RUN_ROUNDS                     } from '../modules/local/run_rounds'
include { RUN_BENCHMARK as RUN_TRAINING } from '../modules/local/run_benchmark'
include { RECORD_LOST_LAUNCH            } from '../modules/local/record_lost_launch'

workflow PHASE4_BENCHMARK {
    take:
    comparable
    data
    implementations
    environment   // ordering only: no timed launch shares the cores with the environment capture

    main:
    // Each cell file is read here once: its own launch count (rl's `solve`: one launch per seed; 0 means
    // rounds), its sides' order and its thread count, which phase 1 wrote and each task's `cpus` asks for
    // (conf/base.config, process_benchmark).
    by_kind = comparable
        .map { cell_id, cell, side ->
            def doc = new groovy.json.JsonSlurper().parse(cell.toFile())
            tuple(cell_id, cell, side, (doc.launches ?: 0) as int, doc.frameworks.collect { it.name }, doc.threads as int)
        }
        .branch { row -> training: row[3] > 0; timing: true }
    // One task per cell, its comparable sides in the cell's own order (the baseline first).
    cells = by_kind.timing
        .map { cell_id, cell, side, own, order, threads -> tuple(cell_id, cell, side, order, threads) }
        .groupTuple(by: 0)
        .map { cell_id, cells, sides, orders, threads ->
            tuple(cell_id, cells[0], sides.unique().sort { orders[0].indexOf(it) }, threads[0])
        }
    RUN_ROUNDS(cells, data, implementations, environment)
    reportProgress('phase 4', 'cells', cells, RUN_ROUNDS.out.record)

    // The barrier: one value once every timed cell has finished (also when there were none). An A/A run
    // trains nothing: it calibrates the timing verdicts.
    timing_done = RUN_ROUNDS.out.record.collect().ifEmpty([]).map { files -> true }
    training = by_kind.training
        .filter { row -> !params.aa }
        .groupTuple(by: 0)
        .flatMap { cell_id, cells, sides, owns, orders, threads ->
            (1..owns[0]).collectMany { seed ->
                sides.withIndex().collect { side, i -> tuple(cell_id, cells[i], side, seed, threads[i]) }
            }
        }
    RUN_TRAINING(training.combine(timing_done).map { row -> row[0..4] }, data, implementations, environment)
    reportProgress('phase 4, training runs', 'runs', training, RUN_TRAINING.out.result)

    // A cell task or a training run killed on its last attempt has no result (its errorStrategy is
    // 'ignore'): record it as failed (launch 1 of every side of a lost cell) rather than let it vanish.
    lost_cells = cells
        .join(RUN_ROUNDS.out.record.map { f -> tuple(f.name.replaceAll(/\.rounds\.json$/, ''), f) }, remainder: true)
        .filter { row -> row[1] != null && row[4] == null }
        .flatMap { cell_id, cell, sides, threads, record -> sides.collect { side -> tuple(cell_id, cell, side, 1) } }
    expected = training.map { cell_id, cell, side, seed, threads ->
        tuple("${cell_id}.${side}.${seed}".toString(), cell_id, cell, side, seed)
    }
    produced = RUN_TRAINING.out.result.map { f -> tuple(f.name.replaceAll(/\.json$/, ''), f) }
    lost_runs = expected.join(produced, remainder: true)
        .filter { row -> row[1] != null && (row.size() < 6 || row[5] == null) }
        .map { row -> tuple(row[1], row[2], row[3], row[4]) }
    RECORD_LOST_LAUNCH(lost_cells.mix(lost_runs), data)

    emit:
    results = RUN_ROUNDS.out.results.flatten().mix(RUN_TRAINING.out.result, RECORD_LOST_LAUNCH.out.result)
}

// "phase 4: 37/120 cells done (31%), about 9 min left", every 10% or minute.
def reportProgress(label, unit, scheduled, results) {
    def progress = new Progress(label, unit)
    scheduled.count().subscribe { n -> progress.setTotal(n as int) }
    results.subscribe { f ->
        def line = progress.tick()
        if (line) {
            log.info line
        }
    }
}
