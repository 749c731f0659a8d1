#!/bin/sh
# Store benchmarks for BENCHMARKS.md: bounces/s end to end (directory -> PostgreSQL), sends
# imported/s, maillog lines/s, and dashboard view timings on 10 million sends.
# Usage: bench/bench_store.sh [BUILD_DIR] [WORK_DIR]   (uses the embedded cluster under WORK_DIR)
# BENCH_PARTS picks what runs (default all): "sends ingest" is the quick variant for the two
# throughput figures; BENCH_JOBS is passed to ingest --jobs.
set -eu
BUILD=${1:-build}
WORK=${2:-/tmp/bounced-bench}
B="$BUILD/bounced"
FIX="$(dirname "$0")/../tests/fixtures"
RULES=${BENCH_RULES:-}   # e.g. --rules=/path; default: the shipped pack
PARTS=${BENCH_PARTS:-sends ingest maillog views}
JOBS=${BENCH_JOBS:-2}
part() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
rm -rf "$WORK" && mkdir -p "$WORK/mail"
S="--state-dir $WORK/state"

echo "== generating 20000 bounces, 1000000 sends, 1000000 maillog lines"
python3 - "$FIX" "$WORK" <<'PY'
import sys, os, random
fix, work = sys.argv[1], sys.argv[2]
tmpl = [open(os.path.join(fix, "store", n)).read() for n in
        ("message-id-user-unknown.eml", "send-id-header-mailbox-full.eml", "verp-user-unknown.eml",
         "recipient-only-host-unknown.eml")]
for i in range(20000):
    t = tmpl[i % 4]
    # distinct recipient and ids, so every mail has its own fingerprint and join keys
    t = (t.replace("jane.doe@", f"u{i}@").replace("tom@", f"u{i}@").replace("ghost@", f"u{i}@")
          .replace("Mixed.Case@", f"u{i}@").replace("S-1001", f"S-{i}").replace("S-2002", f"S-{i}")
          .replace("t-3003", f"t-{i}").replace("77A1C", f"{i:05d}"))
    open(f"{work}/mail/{i:06d}.eml", "w").write(t)
with open(f"{work}/sends.csv", "w") as f:
    f.write("send_id,message_id,verp_token,recipient,campaign,sent_at,reply_code,enhanced_status,reply_text\n")
    for i in range(1000000):
        code = "250" if i % 50 else "550"
        text = "Ok" if code == "250" else "5.1.1 User unknown"
        f.write(f"B-{i},<{i}.bench@sender.example>,t-{i},user{i}@d{i % 997}.example,c{i % 20},"
                f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z,{code},{code[0]}.{'0.0' if code == '250' else '1.1'},{text}\n")
with open(f"{work}/maillog", "w") as f:
    n = 0; q = 0
    while n < 1000000:
        q += 1; qid = f"4dQ{q:010X}"
        f.write(f"Jan  8 09:14:03 mail postfix/cleanup[2002]: {qid}: message-id=<{q}.ml@sender.example>\n")
        f.write(f"Jan  8 09:14:03 mail postfix/qmgr[1500]: {qid}: from=<bounces+t-{q}@sender.example>, size=2345, nrcpt=1 (queue active)\n")
        if q % 10:
            f.write(f"Jan  8 09:14:04 mail postfix/smtp[2003]: {qid}: to=<r{q}@d{q % 997}.example>, relay=mx.d.example[192.0.2.25]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X)\n")
        else:
            f.write(f"Jan  8 09:14:04 mail postfix/smtp[2003]: {qid}: to=<r{q}@d{q % 997}.example>, relay=mx.d.example[192.0.2.25]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.d.example[192.0.2.25] said: 550 5.1.1 <r{q}@d.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))\n")
        f.write(f"Jan  8 09:14:04 mail postfix/qmgr[1500]: {qid}: removed\n")
        n += 4
PY

"$B" db migrate $S >/dev/null   # initdb + migrate outside the timings
. "$(dirname "$0")/cluster.sh"
start_bench_cluster "$WORK/state"
PSQL="psql -X -q -h $WORK/state/pg -U bounced -d bounced"

# Wall and CPU of the command, the CPU its PostgreSQL backends used (the postmaster's reaped
# children), and the load average: the machine is shared, so a wall time alone says little.
pg_cpu() { awk '{ printf "%.2f", ($16 + $17) / 100 }' "/proc/$(head -1 "$WORK/state/pg/data/postmaster.pid")/stat"; }
t() {
  before=$(pg_cpu)
  /usr/bin/time -f "%e s wall, %U s user, %S s sys" "$@"
  sleep 1   # the backend exits after the client and is reaped then: count it
  echo "   PostgreSQL CPU $(echo "$(pg_cpu) - $before" | bc) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
if part sends; then
  echo "== sends import (1,000,000 CSV rows)"
  t "$B" sends import $S $RULES --batch 50000 "$WORK/sends.csv"
  echo "== sends import again (replay: nothing inserted)"
  t "$B" sends import $S $RULES --batch 50000 "$WORK/sends.csv"
fi
if part ingest; then
  echo "== ingest (20,000 bounce files, batch 1000, $JOBS jobs)"
  t "$B" ingest $S $RULES --batch 1000 --jobs "$JOBS" "$WORK/mail"
fi
if part maillog; then
  echo "== maillog (1,000,000 lines)"
  t "$B" maillog $S $RULES "$WORK/maillog"
fi
part views || exit 0

echo "== 10,000,000 sends + 500,000 joined bounces via generate_series"
$PSQL <<'SQL'
\timing on
SELECT bounced_ensure_month('sends', d), bounced_ensure_month('bounces', d)
  FROM generate_series('2025-01-01'::timestamptz, '2025-12-01', '1 month') d;
INSERT INTO sends (send_id, message_id, recipient, recipient_domain, campaign, sent_at,
                   reply_code, sync_category, sync_reason, source)
SELECT 'G-' || i, i || '@gen', 'u' || i || '@d' || (i % 5000) || '.example', 'd' || (i % 5000) || '.example',
       'c' || (i % 50), '2025-01-01'::timestamptz + (i * interval '3 second'),
       CASE WHEN i % 100 = 0 THEN '550' ELSE '250' END,
       CASE WHEN i % 100 = 0 THEN 'hard' ELSE 'accepted' END,
       CASE WHEN i % 100 = 0 THEN 'user_unknown' ELSE 'accepted' END, 'import'
FROM generate_series(1, 10000000) i;
INSERT INTO bounces (fingerprint, received_at, recipient, recipient_domain, kind, category, reason,
                     rule, send_row_id, send_sent_at, join_method, joined_at)
SELECT 'g' || s.id, s.sent_at + interval '2 hours', s.recipient, s.recipient_domain, 'dsn',
       (ARRAY['hard','soft','quota','auto_reply'])[1 + s.id % 4], 'r' || (s.id % 7), 'gen',
       s.id, s.sent_at, 'message_id', now()
FROM sends s WHERE s.send_id LIKE 'G-%' AND s.id % 20 = 0;
ANALYZE sends; ANALYZE bounces;
\echo -- one day of delivery_outcomes, by final state
SELECT final_state, count(*) FROM delivery_outcomes
 WHERE sent_at >= '2025-06-01' AND sent_at < '2025-06-02' GROUP BY 1 ORDER BY 2 DESC;
\echo -- one campaign over a week
SELECT final_state, count(*) FROM delivery_outcomes
 WHERE sent_at >= '2025-06-01' AND sent_at < '2025-06-08' AND campaign = 'c7' GROUP BY 1;
\echo -- domain bounce rates for a week, worst 10
SELECT recipient_domain, sum(sends) s, sum(hard) h, round(sum(hard + soft)::numeric / sum(sends), 4) r
  FROM domain_bounce_rates WHERE day >= '2025-06-01' AND day < '2025-06-08'
 GROUP BY 1 ORDER BY r DESC LIMIT 10;
\echo -- daily bounces for a month
SELECT day, category, sum(bounces) FROM daily_bounces
 WHERE day >= '2025-06-01' AND day < '2025-07-01' GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 5;
\echo -- final states over the whole 10M (full scan)
SELECT final_state, count(*) FROM delivery_outcomes GROUP BY 1;
\echo -- top reasons, suppression growth
SELECT * FROM top_reasons LIMIT 5;
SELECT * FROM suppression_growth ORDER BY day DESC LIMIT 3;
SQL
