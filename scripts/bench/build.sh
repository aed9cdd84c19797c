# Sourced by scripts/bench/*: builds release once, the server (the product package) and the
# load generators (their own package, Tools/LoadGenerators). METROPOLE_BIN_DIR runs a prebuilt
# server instead (e.g. an older commit's, for a before/after), METROPOLE_LOAD_BIN_DIR prebuilt
# load generators; BENCH_SKIP_BUILD=1 reuses the last build.
# The same traits as scripts/test, so the two share one release build.
bench_traits=()
pkg-config --exists libmariadb 2>/dev/null && bench_traits=(--traits MySQL)
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    if [[ -z "${METROPOLE_BIN_DIR:-}" ]]; then
        echo "bench: swift build -c release --product metropole ${bench_traits[*]}" >&2
        swift build -c release --product metropole "${bench_traits[@]}" >&2
    fi
    if [[ -z "${METROPOLE_LOAD_BIN_DIR:-}" ]]; then
        echo "bench: swift build -c release --package-path Tools/LoadGenerators" >&2
        swift build -c release --package-path Tools/LoadGenerators >&2
    fi
fi
export METROPOLE_BIN_DIR="${METROPOLE_BIN_DIR:-$(swift build -c release --show-bin-path "${bench_traits[@]}")}"
export METROPOLE_BIN="$METROPOLE_BIN_DIR/metropole"
export METROPOLE_LOAD_BIN_DIR="${METROPOLE_LOAD_BIN_DIR:-$(swift build -c release --package-path Tools/LoadGenerators --show-bin-path)}"
