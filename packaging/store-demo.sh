#!/usr/bin/env bash
# The main job with the database: with no database configured bounced starts a private
# PostgreSQL cluster under the state directory (Unix socket only) and stops it on exit.
# Imports the sample send log, ingests a copy of the bundled sample Maildir (ingest moves what
# it stored to .Processed, so the packaged sample is left alone), then prints the joined
# outcomes and the suppression list.
# Usage: packaging/store-demo.sh BOUNCED_BINARY [STATE_DIR]
set -euo pipefail
bin="$1"
here=$(cd "$(dirname "$0")/.." && pwd)
state="${2:-$here/.state}"
mkdir -p "$state"
rm -rf "$state/demo-Maildir"
cp -r "$here/packaging/sample/Maildir" "$state/demo-Maildir"
# bounced dates a bounce by when it reached the mailbox (the file's mtime), not by its Date
# header. A fresh copy was "delivered" just now; give each sample the time it was written, as
# if the MTA had delivered it then.
for mail in "$state"/demo-Maildir/new/*; do
  date_header=$(sed -n '/^$/q; s/^Date: *//p' "$mail" | head -n 1 | sed 's/ *(.*)$//')
  [ -n "$date_header" ] && touch -d "$date_header" "$mail"
done
"$bin" sends import --state-dir "$state" "$here/packaging/sample/sends.csv"
"$bin" ingest --state-dir "$state" "$state/demo-Maildir"
echo
"$bin" outcomes --state-dir "$state"
echo
"$bin" suppressions list --state-dir "$state"
