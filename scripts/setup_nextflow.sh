#!/usr/bin/env bash
# Install Nextflow for offline use, from Maven Central only.
#
# Resolves io.nextflow:nextflow (plus runtime deps) with Maven into
# <repo>/.nextflow-dist/lib, which the ./nextflow wrapper puts on the
# classpath. Idempotent: a stamp file records the installed version and a
# second run is a fast no-op.
#
# Env:
#   PAIRBENCH_NEXTFLOW_VERSION  Nextflow version to install (default below)
#   MVN                         Maven command (default: mvn)
set -euo pipefail

DEFAULT_VERSION="25.04.4"
VERSION="${PAIRBENCH_NEXTFLOW_VERSION:-$DEFAULT_VERSION}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
POM="$SCRIPT_DIR/nextflow/pom.xml"
DIST="$REPO_ROOT/.nextflow-dist"
LIB="$DIST/lib"
STAMP="$DIST/VERSION"
MVN="${MVN:-mvn}"

log() { echo "[setup_nextflow] $*"; }

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]] \
   && compgen -G "$LIB/nextflow-$VERSION.jar" >/dev/null; then
  log "Nextflow $VERSION already installed in ${LIB#"$REPO_ROOT"/} (nothing to do)"
  exit 0
fi

command -v "$MVN" >/dev/null 2>&1 || { log "ERROR: '$MVN' not found; install Maven (apt-get install maven)"; exit 1; }
command -v java >/dev/null 2>&1 || [[ -n "${JAVA_HOME:-}" ]] \
  || { log "ERROR: java not found; Nextflow needs Java 17+"; exit 1; }

log "Installing Nextflow $VERSION from Maven Central into ${LIB#"$REPO_ROOT"/}"
log "(Maven cache: ${MAVEN_USER_HOME:-$HOME/.m2}; pom: ${POM#"$REPO_ROOT"/})"

# Resolve into a temp dir, then swap in atomically so a failed/interrupted
# download never leaves a half-populated lib/ that the stamp would bless.
mkdir -p "$DIST"
TMP="$(mktemp -d "$DIST/lib.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# (sed: Debian's Maven 3.8 emits stray ANSI resets even with -B -q; pipefail
# keeps Maven's exit status.)
if ! "$MVN" -q -B -Dstyle.color=never -f "$POM" \
       -Dnextflow.version="$VERSION" \
       dependency:copy-dependencies \
       -DoutputDirectory="$TMP" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'; then
  log "ERROR: Maven could not resolve Nextflow $VERSION (existing install left untouched)."
  log "       Maven Central's io.nextflow artifacts are patchy: 25.04.4 (default) and"
  log "       24.10.0 resolve completely; most other versions miss nf-commons/nf-httpfs."
  exit 1
fi

if [[ ! -f "$TMP/nextflow-$VERSION.jar" ]]; then
  log "ERROR: nextflow-$VERSION.jar was not resolved (is $VERSION on Maven Central?)"
  exit 1
fi

rm -rf "$LIB"
mv "$TMP" "$LIB"
chmod 755 "$LIB"   # mktemp -d creates 0700
trap - EXIT
echo "$VERSION" > "$STAMP"

log "Installed $(ls "$LIB" | wc -l) jars ($(du -sh "$LIB" | cut -f1)) for Nextflow $VERSION"
log "Run: ./nextflow -version"
