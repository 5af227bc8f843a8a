// Phase 5 — statistical analysis and plots over all results (failed ones included).
include { ANALYSE_RESULTS } from '../modules/local/analyse_results'

workflow PHASE5_ANALYSIS {
    take:
    results
    validations
    environment   // its measured noise floor widens the verdicts' noise band when above --noise

    main:
    ANALYSE_RESULTS(results.collect().ifEmpty([]), validations.collect().ifEmpty([]), environment)

    emit:
    analysis = ANALYSE_RESULTS.out.analysis
}
