// Phase 1 — framework and cell selection: which (task, algorithm, dataset, params) cells run, and why
// the others do not. Params and config are validated here, before anything else runs.
include { SELECT_CELLS } from '../modules/local/select_cells'

workflow PHASE1_SELECTION {
    take:
    run_id

    main:
    def params_json = groovy.json.JsonOutput.toJson(params.findAll { k, v -> !k.contains('-') && !(k ==~ /.*[A-Z].*/) })
    SELECT_CELLS(run_id, file(params.benchmarks_config, checkIfExists: true),
                 file(params.frameworks_config, checkIfExists: true), params_json)
    cells = SELECT_CELLS.out.cells
        .flatten()
        .map { cell -> tuple(cell.baseName, cell) }

    emit:
    selection = SELECT_CELLS.out.selection
    cells
}
