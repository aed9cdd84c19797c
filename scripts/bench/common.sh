# Sourced by scripts/bench/* that run Python (harness/, at the repository root): installs the
# peers when root, builds release once (build.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scripts/install-deps nginx libnginx-mod-rtmp rtmpdump iproute2 >&2
source scripts/bench/build.sh
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
