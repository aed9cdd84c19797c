# Sourced by scripts/bench/*: installs the peers when root, builds release once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scripts/install-deps nginx libnginx-mod-rtmp rtmpdump iproute2 >&2
if [[ -z "${METROPOLE_BIN_DIR:-}" && "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    echo "bench: swift build -c release (metropole, metropole-video-load)" >&2
    swift build -c release --product metropole >&2
    swift build -c release --product metropole-video-load >&2
fi
