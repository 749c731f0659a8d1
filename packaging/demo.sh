#!/usr/bin/env bash
# The main job on the bundled sample: classify every message of the sample Maildir.
# (Called by quickstart.sh demo with the built binary as $1.)
set -euo pipefail
bin="$1"
shift
here=$(cd "$(dirname "$0")/.." && pwd)
exec "$bin" classify "$here/packaging/sample/Maildir" "$@"
