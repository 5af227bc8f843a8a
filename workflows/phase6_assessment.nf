// Phase 6 — ecosystem assessment and the final report.
include { RENDER_REPORT } from '../modules/local/render_report'

workflow PHASE6_ASSESSMENT {
    take:
    analysis
    selection
    environment
    implementations
    scaling          // [] or [the scaling study's output directory]

    main:
    RENDER_REPORT(analysis, selection, environment, implementations, scaling)

    emit:
    report = RENDER_REPORT.out.report
}
