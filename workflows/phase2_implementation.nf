// Phase 2 — implementation: release build of the Rust side, versions and capabilities of both sides.
include { BUILD_IMPLEMENTATIONS } from '../modules/local/build_implementations'

workflow PHASE2_IMPLEMENTATION {
    take:
    selection

    main:
    BUILD_IMPLEMENTATIONS(selection)

    emit:
    implementations = BUILD_IMPLEMENTATIONS.out.implementations
}
