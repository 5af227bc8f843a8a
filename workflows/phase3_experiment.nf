// Phase 3 — experiment set-up: datasets materialised once, environment captured, and every cell
// cross-checked for quality parity. Only comparable cells go on to be timed.
include { MATERIALISE_DATASETS } from '../modules/local/materialise_datasets'
include { CAPTURE_ENVIRONMENT  } from '../modules/local/capture_environment'
include { VALIDATE_CELL        } from '../modules/local/validate_cell'

workflow PHASE3_EXPERIMENT {
    take:
    selection
    cells
    implementations

    main:
    MATERIALISE_DATASETS(selection)
    VALIDATE_CELL(cells, MATERIALISE_DATASETS.out.data, implementations)
    // The busy-loop noise floor must not share the cores with validations (nor, in phase 4, with
    // launches, which wait for this environment): it would measure them instead of the machine.
    CAPTURE_ENVIRONMENT(implementations, VALIDATE_CELL.out.validated.collect().ifEmpty([]).map { 'done' })
    // One (cell, side) per side that passed the gate (plus the baseline it was compared with).
    comparable = VALIDATE_CELL.out.validated
        .flatMap { cell_id, cell, report ->
            new groovy.json.JsonSlurper().parse(report.toFile()).comparable_sides.collect { side ->
                tuple(cell_id, cell, side)
            }
        }

    emit:
    data        = MATERIALISE_DATASETS.out.data
    environment = CAPTURE_ENVIRONMENT.out.environment
    validations = VALIDATE_CELL.out.validated.map { cell_id, cell, report -> report }
    comparable
}
