// Phase 3 — experiment set-up: datasets materialised once, environment captured, and every cell
// cross-checked for quality parity. Only comparable cells go on to be timed.
include { MATERIALISE_DATASETS } from '../modules/local/materialise_datasets'
include { CAPTURE_ENVIRONMENT  } from '../modules/local/capture_environment'
include { VALIDATE_CELLS       } from '../modules/local/validate_cells'

workflow PHASE3_EXPERIMENT {
    take:
    selection
    cells
    implementations

    main:
    MATERIALISE_DATASETS(selection)
    // Batches of up to --validation_batch_size cells of one domain (which share their Python sides), in
    // cell-id order so that a -resume forms the same batches. They go out in rounds, one batch of every
    // domain per round, the domains with the fewest batches first: those are few costly cells (models),
    // and started last they would end the phase on one core while the other waits.
    batches = cells
        .map { cell_id, cell -> tuple(new groovy.json.JsonSlurper().parse(cell.toFile()).domain, cell_id, cell) }
        .toSortedList { a, b -> a[1] <=> b[1] }
        .flatMap { all ->
            def by_domain = all.groupBy { it[0] }.collect { domain, members ->
                tuple(domain, members.collate(params.validation_batch_size as int))
            }.sort { a, b -> a[1].size() <=> b[1].size() ?: a[0] <=> b[0] }
            def rounds = by_domain.collect { it[1].size() }.max() ?: 0
            (0..<rounds).collectMany { i -> by_domain.findAll { it[1].size() > i }.collect { it[1][i] } }
        }
        .map { batch -> tuple(batch.collect { it[1] }, batch.collect { it[2] }) }
    VALIDATE_CELLS(batches, MATERIALISE_DATASETS.out.data, implementations)
    validated = VALIDATE_CELLS.out.validated.flatMap { cell_ids, cell_files, reports ->
        def cs = [cell_files].flatten()
        def rs = [reports].flatten()
        cell_ids.withIndex().collect { cell_id, i -> tuple(cell_id, cs[i], rs.find { it.name == "${cell_id}.validation.json" }) }
    }
    // The environment (with the host's load) is captured after every validation has finished, so the
    // load it records is the machine's, not phase 3's own; phase 4's launches wait for it.
    CAPTURE_ENVIRONMENT(implementations, validated.collect().ifEmpty([]).map { 'done' })
    // One (cell, side) per side that passed the gate (plus the baseline it was compared with).
    comparable = validated
        .flatMap { cell_id, cell, report ->
            new groovy.json.JsonSlurper().parse(report.toFile()).comparable_sides.collect { side ->
                tuple(cell_id, cell, side)
            }
        }

    emit:
    data        = MATERIALISE_DATASETS.out.data
    environment = CAPTURE_ENVIRONMENT.out.environment
    validations = validated.map { cell_id, cell, report -> report }
    comparable
}
