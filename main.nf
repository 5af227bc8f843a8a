#!/usr/bin/env nextflow
/*
 * pairbench — paired Python-vs-Rust ML benchmarks with sound statistics.
 * Six phases, wired here; each lives in workflows/, its processes in modules/local/.
 */
nextflow.enable.dsl = 2

include { PHASE1_SELECTION      } from './workflows/phase1_selection'
include { PHASE2_IMPLEMENTATION } from './workflows/phase2_implementation'
include { PHASE3_EXPERIMENT     } from './workflows/phase3_experiment'
include { PHASE4_BENCHMARK      } from './workflows/phase4_benchmark'
include { PHASE5_ANALYSIS       } from './workflows/phase5_analysis'
include { PHASE6_ASSESSMENT     } from './workflows/phase6_assessment'
include { SCALING_STUDY         } from './modules/local/scaling_study'

/*
 * Fail before anything runs when a param or a config file is wrong: the message names the file,
 * the key and the allowed values. (nf-schema cannot be fetched offline; the same schema is enforced
 * by `pairbench check-config`.)
 */
def checkConfiguration() {
    def venv_cli = file("${projectDir}/.venv/bin/pairbench")
    def cli = venv_cli.exists() ? venv_cli.toString() : 'pairbench'
    def params_file = java.nio.file.Files.createTempFile('pairbench-params-', '.json')
    params_file.text = groovy.json.JsonOutput.toJson(userParams())
    def cmd = [cli, 'check-config', '--benchmarks', params.benchmarks_config, '--frameworks', params.frameworks_config,
               '--hardware', params.hardware_config, '--hardware-profile', params.hardware_profile,
               '--analysis-config', params.analysis_config, '--params', params_file.toString()]
    if (params.requirements) cmd += ['--requirements', params.requirements.toString()]
    // The local executor can only give a task the cores this machine has: say so now, not in phase 4.
    def executor = session.config.navigate('process.executor') ?: 'local'
    def local_cpus = session.config.navigate('executor.$local.cpus') ?: Runtime.runtime.availableProcessors()
    cmd += ['--executor', executor.toString(), '--executor-cpus', local_cpus.toString()]
    def out = new StringBuilder(), err = new StringBuilder()
    def proc
    try {
        proc = cmd.execute(["PAIRBENCH_HOME=${projectDir}"] + System.getenv().collect { k, v -> "${k}=${v}" }, null)
    } catch (IOException e) {
        error "pairbench CLI not found (${cli}): run `make setup` first, or put `pairbench` on PATH"
    }
    proc.waitForProcessOutput(out, err)
    java.nio.file.Files.deleteIfExists(params_file)
    if (proc.exitValue() != 0) {
        error "Invalid configuration — nothing was run:\n${err.toString().trim()}"
    }
    log.info out.toString().trim()
}

// Params as the user set them (Nextflow adds camelCase twins of snake_case names; drop those).
def userParams() {
    params.findAll { k, v -> !k.contains('-') && !(k ==~ /.*[A-Z].*/) }
}

workflow {
    checkConfiguration()
    // The session id survives -resume, so a resumed run keeps its run id and its cached tasks.
    def run_id = params.run_id ?: "run-${workflow.sessionId.toString().take(8)}"
    log.info "pairbench ${workflow.manifest.version} | run ${run_id} | profile ${workflow.profile} | outdir ${params.outdir}"

    PHASE1_SELECTION(run_id)
    PHASE2_IMPLEMENTATION(PHASE1_SELECTION.out.selection)
    PHASE3_EXPERIMENT(PHASE1_SELECTION.out.selection, PHASE1_SELECTION.out.cells,
                      PHASE2_IMPLEMENTATION.out.implementations)
    PHASE4_BENCHMARK(PHASE3_EXPERIMENT.out.comparable, PHASE3_EXPERIMENT.out.data,
                     PHASE2_IMPLEMENTATION.out.implementations, PHASE3_EXPERIMENT.out.environment)
    PHASE5_ANALYSIS(PHASE4_BENCHMARK.out.results, PHASE3_EXPERIMENT.out.validations,
                    PHASE1_SELECTION.out.selection, PHASE2_IMPLEMENTATION.out.implementations)
    // Opt-in (--scaling true; on in -profile full): runs after the last benchmark launch.
    if (params.scaling) {
        SCALING_STUDY(PHASE2_IMPLEMENTATION.out.implementations,
                      PHASE4_BENCHMARK.out.results.collect().ifEmpty([]).map { 'done' })
        scaling = SCALING_STUDY.out.scaling.collect()
    } else {
        scaling = Channel.value([])
    }
    PHASE6_ASSESSMENT(PHASE5_ANALYSIS.out.analysis, PHASE1_SELECTION.out.selection,
                      PHASE3_EXPERIMENT.out.environment, PHASE2_IMPLEMENTATION.out.implementations, scaling)
}

workflow.onComplete {
    log.info(workflow.success
        ? "pairbench done in ${workflow.duration}: report at ${params.outdir}/report/index.html"
        : "pairbench failed: ${failureInWords(workflow.errorMessage ?: workflow.errorReport)}")
}

// What went wrong, in words a user can act on (no Java class names).
def failureInWords(message) {
    def text = message?.toString()?.trim()
    if (!text) {
        return "a task failed without a message (exit status ${workflow.exitStatus}); see .nextflow.log"
    }
    def full = (text =~ /(?:[\w.]+Exception: )?(\S+?): No space left on device/)
    if (full.find()) {
        return "no space left on ${full.group(1)}; free some space, then run again with -resume (finished tasks are kept)"
    }
    return text.replaceAll(/\b(?:java|nextflow|groovy)\.[\w.]+(?:Exception|Error): /, '')
}
