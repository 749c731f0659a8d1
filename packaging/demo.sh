#!/usr/bin/env bash
# The main job on the bundled sample (called by quickstart.sh demo with the built binary as $1):
# import the sample send log, ingest the sample Maildir into the embedded PostgreSQL cluster
# under ./.state, print the joined outcomes and the suppression list.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
exec "$here/packaging/store-demo.sh" "$@"
