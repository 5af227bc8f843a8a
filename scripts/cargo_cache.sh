#!/usr/bin/env bash
# A copy of target/release kept outside the clone, so that a fresh clone's `make test` does not compile
# the ~500 locked registry crates, torch-sys and tch again (its Rust builds and tests: about 16 minutes
# cold, 7 warm, on 2 cores).
#
#   cargo_cache.sh restore DIR   seed target/release from DIR/<key> when this clone has no target/release
#   cargo_cache.sh save DIR      replace DIR/<key> by this clone's target/release; keep the 2 newest keys
#
# Safe because cargo, not this script, decides what is fresh: registry crates are matched by version,
# features and profile; workspace crates by path and mtime, and a fresh clone's sources are newer than
# any copied artifact, so they are always rebuilt. Build-script outputs that name the old target dir
# are rewritten by cargo itself. The one output that names a path outside the target dir is torch-sys's
# (the venv's libtorch, which it does not re-check when VIRTUAL_ENV changes): it is pointed at this
# clone's venv (rebuilding torch-sys and tch took about 4 minutes at another clone path). The key covers
# the toolchain, Cargo.lock and pyproject.toml (the torch pin). Never fails the caller: a cache that
# cannot be used is just not used.
set -uo pipefail
cmd="${1:-}" dir="${2:-}"
[[ -n "$dir" && ( "$cmd" == restore || "$cmd" == save ) ]] || { echo "usage: $0 restore|save DIR" >&2; exit 2; }
command -v rustc > /dev/null || exit 0
key="$( { rustc -vV; uname -m; cat Cargo.lock pyproject.toml; } | sha256sum | cut -c1-16)"
slot="$dir/$key"

case "$cmd" in
restore)
    [[ -d target/release || ! -d "$slot/release" ]] && exit 0
    echo "==> rust: seeding target/release from $slot (cargo rebuilds whatever is stale)"
    mkdir -p target
    cp -a "$slot/release" target/release.partial && mv target/release.partial target/release || {
        rm -rf target/release.partial; exit 0
    }
    # torch-sys's output names the venv it was built in (libtorch's link path) and is not re-run when the
    # venv moves. The key pins torch, so this clone's venv holds the same libtorch: point the output at it
    # (its compiled wrapper stays valid). A path with other characters than
    # [A-Za-z0-9_./+-] (sed would read them) drops torch-sys and tch instead, to be rebuilt.
    venv="$PWD/.venv"
    for out in target/release/build/torch-sys-*/output; do
        [[ -f "$out" ]] || continue
        old="$(sed -n 's#^cargo:libtorch_lib=\(.*\)/lib/python[^/]*/site-packages/torch/lib$#\1#p' "$out")"
        [[ -z "$old" || "$old" == "$venv" ]] && continue
        if [[ "$old$venv" =~ ^[A-Za-z0-9_./+-]+$ ]]; then
            # The file keeps its mtime to the nanosecond: cargo compares it with the build script's.
            sed "s#$old/#$venv/#g" "$out" > "$out.new" && touch -r "$out" "$out.new" && mv "$out.new" "$out" \
                && continue
        fi
        (cd target/release && rm -rf build/torch-sys-* .fingerprint/torch-sys-* .fingerprint/tch-* \
            build/tch-* deps/libtorch_sys-* deps/libtch-* deps/torch_sys-* deps/tch-*)
        break
    done
    ;;
save)
    [[ -d target/release ]] || exit 0
    mkdir -p "$dir" || exit 0
    rm -rf "$slot.partial"
    if cp -a target/release "$slot.partial" 2> /dev/null; then
        rm -rf "$slot/release" && mkdir -p "$slot" && mv "$slot.partial" "$slot/release" && touch "$slot"
    else
        rm -rf "$slot.partial"; echo "cargo_cache: could not save to $slot (left as it was)" >&2
    fi
    # Keep the two newest keys: an old Cargo.lock's crates are rarely wanted again.
    ls -1dt "$dir"/*/ 2> /dev/null | tail -n +3 | xargs -r rm -rf
    ;;
esac
exit 0
