// Phase 5 — statistical analysis and plots over all results (failed ones included).
include { ANALYSE_RESULTS } from '../modules/local/analyse_results'

workflow PHASE5_ANALYSIS {
    take:
    results
    validations
    selection        // phase 1's selection.json: the catalogue's run-wide alpha and power, the cells
    implementations  // phase 2's implementations.json: the facts behind the ecosystem tables

    main:
    ANALYSE_RESULTS(results.collect().ifEmpty([]), validations.collect().ifEmpty([]), selection, implementations)

    emit:
    analysis = ANALYSE_RESULTS.out.analysis
}
