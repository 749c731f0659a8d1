#!/bin/sh
# Issue 8's partition measurement: 4,900 bounces whose Date headers span thirty years, all
# received now, ingested into a fresh embedded cluster. Bounces are partitioned by when bounced
# received them, so this makes this month's partition (and next month's, ahead of time), not
# one per month a stranger's clock named.
# Usage: bench/bench_received_partitions.sh [BOUNCED_BINARY] [WORK_DIR]
set -eu
B=${1:-build/bounced}
W=${2:-/tmp/bounced-bench-dated}
FIX="$(cd "$(dirname "$0")/../tests/fixtures/store" && pwd)"
rm -rf "$W" && mkdir -p "$W/mail"
python3 - "$FIX" "$W/mail" <<'PY'
import os, random, sys, datetime as dt
fix, out = sys.argv[1], sys.argv[2]
tmpl = [open(os.path.join(fix, n)).read() for n in
        ("message-id-user-unknown.eml", "send-id-header-mailbox-full.eml", "verp-user-unknown.eml",
         "recipient-only-host-unknown.eml")]
random.seed(7)
start = dt.datetime(1996, 1, 1, tzinfo=dt.timezone.utc)
for i in range(4900):
    lines = tmpl[i % 4].split("\n")
    when = start + dt.timedelta(seconds=random.randrange(0, 30 * 365 * 86400))
    for k, line in enumerate(lines):
        if line.startswith("Date:"):  # the report's own Date header
            lines[k] = "Date: " + when.strftime("%a, %d %b %Y %H:%M:%S +0000")
            break
    text = "\n".join(lines)
    for old in ("jane.doe@", "tom@", "ghost@", "Mixed.Case@"):
        text = text.replace(old, f"u{i}@")
    open(f"{out}/{i:06d}.eml", "w").write(text)
PY
"$B" db migrate --state-dir "$W/state" >/dev/null
# One server up for the timing (each command would otherwise start and stop it).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
RUNAS=""; [ "$(id -u)" = 0 ] && RUNAS="runuser -u postgres --"
$RUNAS "$PGBIN/pg_ctl" -D "$W/state/pg/data" -l "$W/state/pg/server.log" -w start >/dev/null
trap '$RUNAS "$PGBIN/pg_ctl" -D "$W/state/pg/data" -m fast -w stop >/dev/null' EXIT
start=$(date +%s.%N)
"$B" ingest --state-dir "$W/state" --batch 500 --jobs 2 "$W/mail" | tail -1
end=$(date +%s.%N)
echo "4900 bounces in $(echo "$end - $start" | bc) s"
psql -X -q -A -t -h "$W/state/pg" -U bounced -d bounced \
  -c "SELECT count(*) FROM pg_class WHERE relname LIKE 'bounces\_%' AND relkind = 'r'" |
  sed 's/^/bounces partitions: /'
