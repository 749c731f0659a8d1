#!/bin/sh
# `bounced run` benchmark for BENCHMARKS.md: N bounces (default 100,000) from a Maildir into
# PostgreSQL (the embedded cluster the daemon starts, fsync on), with the daemon running.
#   1. throughput: all N files renamed into new/ at once; messages/s from the first rename to the
#      last file filed in .Processed; the daemon's peak RSS (VmHWM) sampled when 10,000 and when
#      all N are stored.
#   2. latency below saturation: RATE messages/s written into tmp/ and renamed into new/ for
#      SECONDS s; p50/p99 of the daemon's latency_ms (file mtime, i.e. landing, to committed).
# Usage: bench/bench_daemon.sh [BUILD_DIR] [WORK_DIR]; N, RATE, SECONDS_AT_RATE, BATCH from the
# environment (defaults 100000, 2000, 15, 500). PG_LOG_STATEMENTS=1 logs every statement of the
# server; `bench/statement_times.py WORK_DIR/state/pg/server.log` then says where its time went.
set -eu
BUILD=${1:-build}
WORK=${2:-/tmp/bounced-bench-daemon}
B="$(cd "$BUILD" && pwd)/bounced"
FIX="$(cd "$(dirname "$0")/../tests/fixtures" && pwd)"
N=${N:-100000}
RATE=${RATE:-2000}
SECS=${SECONDS_AT_RATE:-15}
rm -rf "$WORK" && mkdir -p "$WORK/staging" "$WORK/Maildir/cur" "$WORK/Maildir/new" "$WORK/Maildir/tmp"
chmod 755 "$WORK"

echo "== generating $N bounces"
python3 - "$FIX" "$WORK/staging" "$N" <<'PY'
import sys, os
fix, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
tmpl = [open(os.path.join(fix, "store", name)).read() for name in
        ("message-id-user-unknown.eml", "send-id-header-mailbox-full.eml", "verp-user-unknown.eml",
         "recipient-only-host-unknown.eml")]
for i in range(n):
    t = tmpl[i % 4]
    # distinct recipients, ids and Message-IDs: every mail has its own fingerprint
    t = (t.replace("jane.doe@", f"u{i}@").replace("tom@", f"u{i}@").replace("ghost@", f"u{i}@")
          .replace("Mixed.Case@", f"u{i}@").replace("S-1001", f"S-{i}").replace("S-2002", f"S-{i}")
          .replace("t-3003", f"t-{i}").replace("77A1C", f"{i:05d}")
          .replace("Message-Id: <", f"Message-Id: <b{i}.").replace("Message-ID: <", f"Message-ID: <b{i}."))
    with open(f"{out}/{i:06d}.bench", "w") as f:
        f.write(t)
PY

cat > "$WORK/bounced.yaml" <<YAML
state_dir: $WORK/state
sources:
  - name: bench
    type: maildir
    path: $WORK/Maildir
pipeline:
  batch_size: ${BATCH:-500}
log:
  format: json
  metrics_interval: 10s
YAML

"$B" db migrate --state-dir "$WORK/state" > /dev/null   # initdb outside the timings
# PG_LOG_STATEMENTS=1: log every statement's duration; bench/statement_times.py sums them.
if [ "${PG_LOG_STATEMENTS:-0}" = 1 ]; then
  echo "log_min_duration_statement = 0" >> "$WORK/state/pg/data/postgresql.auto.conf"
fi
"$B" run --config "$WORK/bounced.yaml" > "$WORK/daemon.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
until grep -q '"event":"source_watching"' "$WORK/daemon.log"; do sleep 0.2; done
until grep -q '"event":"database_connected"' "$WORK/daemon.log"; do sleep 0.2; done
echo "== daemon $PID running; RSS idle: $(grep VmRSS /proc/$PID/status)"

echo "== throughput: $N files renamed into new/ at once"
python3 - "$WORK" "$N" "$PID" <<'PY'
import os, sys, time
work, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
staging, new, done = f"{work}/staging", f"{work}/Maildir/new", f"{work}/Maildir/.Processed/cur"
def hwm():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"): return line.split()[1] + " kB"
def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
# The embedded server's processes: its postmaster and the postmaster's children.
postmaster = open(f"{work}/state/pg/data/postmaster.pid").readline().strip()
def pg_cpu():
    total = 0.0
    for p in os.listdir("/proc"):
        if not p.isdigit(): continue
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            if p != postmaster and fields[1] != postmaster: continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError: pass
    return total
def filed():
    try: return len(os.listdir(done))
    except FileNotFoundError: return 0
import threading
names = sorted(os.listdir(staging))
cpu0, pg0 = cpu(), pg_cpu()
start = time.monotonic()
renamed = None
def deliver():
    global renamed
    for name in names:
        os.rename(f"{staging}/{name}", f"{new}/{name}")
    renamed = time.monotonic() - start
# Delivered on a thread of its own: the RSS and progress are sampled meanwhile.
threading.Thread(target=deliver).start()
at_10k = None
while True:
    count = filed()
    if at_10k is None and count >= 10000:
        at_10k = (time.monotonic() - start, hwm())
    if count >= n: break
    time.sleep(0.02)
elapsed = time.monotonic() - start
while renamed is None: time.sleep(0.01)
print(f"renamed {n} in {renamed:.2f} s; all {n} filed after {elapsed:.2f} s = {n/elapsed:,.0f} messages/s")
if at_10k: print(f"peak RSS at 10,000 stored ({at_10k[0]:.2f} s): {at_10k[1]}")
print(f"peak RSS at {n:,} stored: {hwm()}")
print(f"CPU: daemon {cpu() - cpu0:.1f} s, PostgreSQL backends (still running ones) {pg_cpu() - pg0:.1f} s")
PY

echo "== latency: $RATE messages/s for $SECS s"
python3 - "$WORK" "$RATE" "$SECS" "$FIX" <<'PY'
import os, sys, time
work, rate, secs, fix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
tmpl = open(os.path.join(fix, "store", "message-id-user-unknown.eml")).read()
tmp, new = f"{work}/Maildir/tmp", f"{work}/Maildir/new"
total = rate * secs
start = time.monotonic()
for i in range(total):
    due = start + i / rate
    now = time.monotonic()
    if due > now: time.sleep(due - now)
    name = f"lat{i:07d}"
    with open(f"{tmp}/{name}", "w") as f:
        f.write(f"X-Bench-Sequence: {i}\n" + tmpl.replace("jane.doe@", f"lat{i}@"))
    os.rename(f"{tmp}/{name}", f"{new}/{name}")
print(f"delivered {total} in {time.monotonic() - start:.2f} s")
PY
sleep 3
python3 - "$WORK/daemon.log" <<'PY'
import json, sys
lat = []
for line in open(sys.argv[1]):
    if not line.startswith("{"): continue
    e = json.loads(line)
    if e.get("event") == "stored" and e.get("name", "").startswith("lat"):
        lat.append(e["latency_ms"])
lat.sort()
if lat:
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"latency over {len(lat)} messages: p50 {pick(0.5)} ms, p99 {pick(0.99)} ms, max {lat[-1]} ms")
PY
echo "== RSS after all: $(grep VmHWM /proc/$PID/status)"
kill -TERM $PID; wait $PID || true
trap - EXIT
grep '"event":"metrics"' "$WORK/daemon.log" | tail -1
