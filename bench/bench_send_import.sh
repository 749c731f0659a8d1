#!/bin/sh
# Send import into a table that already holds sends (BENCHMARKS.md, "sends import, 100,000 new
# sends into a 1,200,000-row table"): fills `sends` with BASE rows by generate_series (one
# month, as bench_store.sh's CSV), ANALYZEs, then times `bounced sends import --batch 50000` of
# NEW fresh rows RUNS times, each run with its own send ids so every row is new.
# Usage: bench/bench_send_import.sh BINARY WORK_DIR; BASE, NEW, RUNS from the environment
# (defaults 1200000, 100000, 2). BOUNCED_SCHEMA_DIR picks the migrations, as for bounced itself.
# WORK_DIR is kept with its cluster when KEEP=1, so two binaries can take turns on their own
# clusters (`RUNS=0` only fills, `FILL=0` only times).
set -eu
B=$1
WORK=$2
BASE=${BASE:-1200000}
NEW=${NEW:-100000}
RUNS=${RUNS:-2}
S="--state-dir $WORK/state"
PSQL="psql -X -q -h $WORK/state/pg -U bounced -d bounced"

if [ "${FILL:-1}" = 1 ]; then
  rm -rf "$WORK" && mkdir -p "$WORK" && chmod 755 "$WORK"
  "$B" db migrate $S > /dev/null
fi
. "$(dirname "$0")/cluster.sh"
start_bench_cluster "$WORK/state"

if [ "${FILL:-1}" = 1 ]; then
  echo "== filling sends with $BASE rows"
  $PSQL <<SQL
SELECT bounced_ensure_month('sends', '2026-01-01');
INSERT INTO sends (send_id, message_id, verp_token, recipient, recipient_domain, campaign, sent_at,
                   outcome_at, reply_code, enhanced_status, reply_text, sync_category, sync_reason,
                   source, outcome_source, sources)
SELECT 'B-' || i, i || '.bench@sender.example', 't-' || i, 'user' || i || '@d' || (i % 997) || '.example',
       'd' || (i % 997) || '.example', 'c' || (i % 20),
       '2026-01-01'::timestamptz + (i % 28) * interval '1 day' + (i % 24) * interval '1 hour',
       '2026-01-01'::timestamptz + (i % 28) * interval '1 day' + (i % 24) * interval '1 hour',
       '250', '2.0.0', 'Ok', 'accepted', 'accepted', 'import', 'import', ARRAY['import']
FROM generate_series(1, $BASE) i;
ANALYZE sends;
SQL
fi

# CPU of the server's backends: the postmaster's reaped children (each import is one session).
pg_cpu() { awk '{ printf "%.2f", ($16 + $17) / 100 }' "/proc/$(head -1 "$WORK/state/pg/data/postmaster.pid")/stat"; }
run=0
while [ "$run" -lt "$RUNS" ]; do
  run=$((run + 1))
  first=$(( ${FIRST:-10000000} + run * NEW ))
  python3 - "$WORK/fresh.csv" "$first" "$NEW" <<'PY'
import sys
path, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    f.write("send_id,message_id,verp_token,recipient,campaign,sent_at,reply_code,enhanced_status,reply_text\n")
    for i in range(first, first + n):
        code = "250" if i % 50 else "550"
        text = "Ok" if code == "250" else "5.1.1 User unknown"
        f.write(f"B-{i},<{i}.bench@sender.example>,t-{i},user{i}@d{i % 997}.example,c{i % 20},"
                f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z,{code},{code[0]}.{'0.0' if code == '250' else '1.1'},{text}\n")
PY
  echo "== sends import, $NEW new rows (run $run, load $(cut -d' ' -f1-3 /proc/loadavg))"
  pg_before=$(pg_cpu)
  /usr/bin/time -f "%e s wall, %U s user, %S s sys" "$B" sends import $S --batch 50000 "$WORK/fresh.csv"
  sleep 1   # the backend exits after the client and is reaped then: count it
  echo "   PostgreSQL CPU $(echo "$(pg_cpu) - $pg_before" | bc) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
