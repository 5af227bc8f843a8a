// Phase 3: every selected dataset once, as .npy + manifest.json with sha256 (the bytes both sides read).
process MATERIALISE_DATASETS {
    label 'process_single'
    publishDir "${params.outdir}/datasets", mode: params.publish_dir_mode, pattern: 'data/*/manifest.json',
        saveAs: { it.replaceFirst('^data/', '') }

    input:
    path selection

    output:
    path 'data', emit: data

    script:
    """
    pairbench datasets --selection ${selection} --out-dir data
    """
}
