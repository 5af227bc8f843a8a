// Phase 3: every selected dataset once, as .npy + manifest.json with sha256 (the bytes both sides read).
process MATERIALISE_DATASETS {
    label 'process_single'
    publishDir "${params.outdir}/datasets", mode: params.publish_dir_mode, pattern: 'manifests/*.json',
        saveAs: { it.tokenize('/').last() }

    input:
    path selection

    output:
    path 'data',             emit: data
    path 'manifests/*.json', emit: manifests

    script:
    """
    pairbench datasets --selection ${Shell.quote(selection)} --out-dir data
    mkdir -p manifests
    for m in data/*/manifest.json; do cp "\$m" "manifests/\$(basename "\$(dirname "\$m")").json"; done
    """
}
