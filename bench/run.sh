#!/usr/bin/env bash
# Every benchmark of bounced in one run, printed as Markdown for BENCHMARKS.md, headed by the
# machine and the date. Each figure is the median of three runs; bounced and its yardstick (GMime
# alone, or a peer) run in turn, A B A B A B, so that a machine whose speed drifts moves both.
# Times are wall-clock seconds of the whole process; CPU seconds (user + system) are printed too,
# since on a shared machine they move less.
#
#   parse      bounced classify, one thread and -j 2, over a generated corpus (>= 100,000 mails
#              made from tests/fixtures by gen_corpus.py) and over ../shared/corpus/sisimai
#              repeated (symlinks), against GMime's own parse and parse+decode of the same mails
#              (bounced_gmime_baseline, from memory; parse+decode also on 2 threads of one process)
#   rules      bounced rules bench with the shipped pack and a generated 1,000-rule pack
#   store      bench_store.sh: sends import, ingest end to end, maillog (PostgreSQL, embedded)
#   peers      Sisimai (libsisimai-perl) and flufl.bounce (python3-flufl.bounce) against bounced on
#              the same Sisimai mails: speed, and accuracy by ../shared/tools/score.py
#   latency    start-up and first-message latency (bounced_first_message), and a whole
#              `bounced classify` of one mail
#
# usage: bench/run.sh [BUILD_DIR] [WORK_DIR]     (defaults: build, ${TMPDIR:-/tmp}/bounced-bench)
#   BENCH_PARTS  the parts to run (default: "parse rules store peers latency")
#   BENCH_N      messages in each parse corpus (default 100000)
#   BENCH_RUNS   runs per figure (default 3)
#   BENCH_SHARED the shared folder holding corpus/sisimai and tools/score.py
# Needs: a RelWithDebInfo build (built here if missing), python3, perl with libsisimai-perl,
# Debian's /usr/bin/python3 with python3-flufl.bounce, and ../shared beside the main checkout
# (found from a git worktree too) or BENCH_SHARED=DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$(mkdir -p "${1:-$here/build}" && cd "${1:-$here/build}" && pwd)
work=${2:-${TMPDIR:-/tmp}/bounced-bench}
# ../shared sits beside the main checkout; a git worktree elsewhere finds it through the
# repository's common directory.
shared=${BENCH_SHARED:-$here/../shared}
if [ ! -d "$shared/corpus/sisimai" ] && common=$(git -C "$here" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
  shared=$(dirname "$common")/../shared
fi
[ -d "$shared/corpus/sisimai" ] || { echo "run.sh: no corpus at $shared/corpus/sisimai (set BENCH_SHARED)" >&2; exit 2; }
shared=$(cd "$shared" && pwd)
parts=${BENCH_PARTS:-parse rules store peers latency}
n=${BENCH_N:-100000}
runs=${BENCH_RUNS:-3}
part() { case " $parts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

bounced=$build/bounced
baseline=$build/bench/bounced_gmime_baseline
first_message=$build/bench/bounced_first_message
[ -f "$build/CMakeCache.txt" ] || cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target bounced bounced_gmime_baseline bounced_first_message >&2
mkdir -p "$work"

# "wall cpu" seconds of one run of a command, its output discarded (it may exit non-zero: the
# corpora hold deliberately unreadable mail).
# GNU time writes to its own file: the command's stderr (warnings on every odd mail) is not
# mixed in, and redirecting the command's stderr does not discard the figure.
measure() {
  /usr/bin/time -o "$work/time.out" -f "TIME %e %U %S" "$@" >/dev/null 2>/dev/null || true
  awk '/^TIME/ { printf "%.3f %.3f\n", $2, $3 + $4 }' "$work/time.out"
}
# DIR made of the Sisimai mails repeated N times as symlinks "<i>-<name>.eml", made once per
# corpus location (one process: a shell loop of ln took minutes for 100,000 links).
repeated_corpus() {
  local dir=$1 times=$2
  [ "$(cat "$dir/.done" 2>/dev/null)" = "$shared" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  python3 - "$shared/corpus/sisimai" "$dir" "$times" <<'PY'
import glob, os, sys
src, out, times = sys.argv[1], sys.argv[2], int(sys.argv[3])
mails = sorted(glob.glob(os.path.join(src, "*.eml")))
for i in range(1, times + 1):
    for m in mails:
        os.symlink(m, os.path.join(out, "%d-%s" % (i, os.path.basename(m))))
PY
  echo "$shared" >"$dir/.done"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "# bounced benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/ { print $2 }') GiB," \
     "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- build: $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt"), $(git -C "$here" describe --always --dirty 2>/dev/null || echo "no git")," \
     "GMime $(dpkg-query -W -f '${Version}' libgmime-3.0-0 2>/dev/null || echo '?'), RE2 $(dpkg-query -W -f '${Version}' 'libre2-9' 2>/dev/null || echo '?')"
echo "- each figure: median of $runs runs; wall-clock seconds of the whole process (CPU seconds in brackets)"
echo

# One corpus: bounced -j1 and -j2 against GMime parse and parse+decode, interleaved.
# args: LABEL DIR MESSAGES BYTES BASELINE_ARGS...
parse_rows() {
  local label=$1 dir=$2 count=$3 bytes=$4
  shift 4
  local r t1 t2 c1 gp gd g2
  : >"$work/p1" && : >"$work/p2" && : >"$work/gp" && : >"$work/gd" && : >"$work/g2"
  for r in $(seq "$runs"); do
    "$baseline" "$@" | awk '{ print $(NF-3) }' >>"$work/gp"
    "$baseline" --decode "$@" | awk '{ print $(NF-3) }' >>"$work/gd"
    "$baseline" --decode --threads 2 "$@" | awk '{ print $(NF-3) }' >>"$work/g2"
    measure "$bounced" classify --format jsonl "$dir" >>"$work/p1"
    measure "$bounced" classify -j 2 --format jsonl "$dir" >>"$work/p2"
  done
  t1=$(cut -d' ' -f1 "$work/p1" | median); c1=$(cut -d' ' -f2 "$work/p1" | median)
  t2=$(cut -d' ' -f1 "$work/p2" | median)
  gp=$(median <"$work/gp"); gd=$(median <"$work/gd"); g2=$(median <"$work/g2")
  local mb
  mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
  echo "| $label: GMime parse (from memory) | | $gp | $(awk -v r="$gp" -v b="$bytes" -v n="$count" 'BEGIN { printf "%.1f", r * b / n / 1e6 }') | |"
  echo "| $label: GMime parse + decode (from memory) | | $gd | $(awk -v r="$gd" -v b="$bytes" -v n="$count" 'BEGIN { printf "%.1f", r * b / n / 1e6 }') | 1.00 |"
  echo "| $label: GMime parse + decode, 2 threads of one process (from memory) | | $g2 | $(awk -v r="$g2" -v b="$bytes" -v n="$count" 'BEGIN { printf "%.1f", r * b / n / 1e6 }') | $(ratio "$g2" "$gd") |"
  echo "| $label: \`bounced classify --format jsonl\`, one thread | $t1 ($c1) | $(rate "$count" "$t1") | $(awk -v m="$mb" -v t="$t1" 'BEGIN { printf "%.1f", m / t }') | $(ratio "$(rate "$count" "$t1")" "$gd") |"
  echo "| $label: same, \`-j 2\` | $t2 | $(rate "$count" "$t2") | $(awk -v m="$mb" -v t="$t2" 'BEGIN { printf "%.1f", m / t }') | $(ratio "$(rate "$count" "$t2")" "$gd") |"
}

if part parse; then
  echo "## Parse + classify"
  echo
  gen="$work/generated-$n"
  if [ ! -f "$gen/.done" ]; then
    rm -rf "$gen"
    python3 "$here/bench/gen_corpus.py" "$here" "$gen" "$n" >"$gen.size"
    touch "$gen/.done"
  fi
  read -r gen_count gen_bytes <"$gen.size"
  repeat=$(( (n + 369) / 370 ))
  sis="$work/sisimai-x$repeat"
  repeated_corpus "$sis" "$repeat"
  sis_count=$(( repeat * $(ls "$shared"/corpus/sisimai/*.eml | wc -l) ))
  sis_bytes=$(( repeat * $(cat "$shared"/corpus/sisimai/*.eml | wc -c) ))
  echo "Corpora: $gen_count messages generated from tests/fixtures ($(awk -v b="$gen_bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB," \
       "\`bench/gen_corpus.py\`); the 370 Sisimai mails repeated $repeat times as symlinks ($sis_count messages," \
       "$(awk -v b="$sis_bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB). Page cache warm; output to /dev/null."
  echo
  echo "| what | seconds | messages/s | MB/s | x GMime parse+decode |"
  echo "|---|---|---|---|---|"
  parse_rows "generated" "$gen" "$gen_count" "$gen_bytes" "$gen"
  parse_rows "Sisimai x$repeat" "$sis" "$sis_count" "$sis_bytes" --repeat "$repeat" "$shared/corpus/sisimai"
  echo
fi

if part rules; then
  echo "## Rule engine (\`bounced rules bench --seconds 3\`, the Sisimai corpus's diagnostics)"
  echo
  python3 "$here/bench/gen_rule_pack.py" "$work/pack1000" 1000 >/dev/null
  echo "| pack | rules | load + compile | diagnostics/s |"
  echo "|---|---|---|---|"
  for pack in shipped generated; do
    args=()
    [ "$pack" = generated ] && args=(--rules "$work/pack1000")
    : >"$work/rb"
    for r in $(seq "$runs"); do
      "$bounced" rules bench --seconds 3 "${args[@]}" "$shared/corpus/sisimai" >"$work/rb.out"
      awk '/per second/ { for (i = 1; i < NF; ++i) if ($i == "per" && $(i+1) == "second") print $(i-1) }' "$work/rb.out" >>"$work/rb"
    done
    rules=$(awk '/^rules:/ { print $2 }' "$work/rb.out")
    load=$(awk '/^rules:/ { for (i = 1; i <= NF; ++i) if ($i == "ms") print $(i-1) }' "$work/rb.out")
    echo "| $pack | $rules | $load ms | $(median <"$work/rb") |"
  done
  echo
fi

if part store; then
  echo "## Store (\`BENCH_PARTS=\"sends ingest maillog\" bench/bench_store.sh\`, embedded PostgreSQL)"
  echo
  BENCH_PARTS="sends ingest maillog" "$here/bench/bench_store.sh" "$build" "$work/store" >"$work/store.out" 2>&1
  seconds_after() {
    awk -v h="$1" 'index($0, h) == 1 { on = 1; next } on && /^[0-9.]+ s$/ { print $1; exit }' "$work/store.out"
  }
  s=$(seconds_after "== sends import (1,000,000")
  replay=$(seconds_after "== sends import again")
  i=$(seconds_after "== ingest")
  m=$(seconds_after "== maillog")
  echo "| what | seconds | rate |"
  echo "|---|---|---|"
  echo "| sends import, 1,000,000 CSV rows | $s | $(rate 1000000 "$s") rows/s |"
  echo "| the same file again (nothing inserted) | $replay | $(rate 1000000 "$replay") rows/s |"
  echo "| ingest, 20,000 bounce files, --jobs 2 (parse, classify, store, join, suppress) | $i | $(rate 20000 "$i") bounces/s |"
  echo "| maillog, 1,000,000 Postfix log lines | $m | $(rate 1000000 "$m") lines/s |"
  echo
fi

if part peers; then
  echo "## Peers on the same mails (the 370 Sisimai mails; speed over them repeated 10 times)"
  echo
  peers="$work/sisimai-x10"
  repeated_corpus "$peers" 10
  count=$(( 10 * $(ls "$shared"/corpus/sisimai/*.eml | wc -l) ))
  sisimai=(perl "$here/bench/peers/sisimai_jsonl.pl")
  flufl=(/usr/bin/python3 "$here/bench/peers/flufl_jsonl.py")
  : >"$work/pb" && : >"$work/ps" && : >"$work/pf"
  for r in $(seq "$runs"); do
    measure "$bounced" classify --format jsonl "$peers" >>"$work/pb"
    measure "${sisimai[@]}" --quiet "$peers" >>"$work/ps"
    measure "$bounced" classify --format jsonl "$peers" >>"$work/pb"
    measure "${flufl[@]}" --quiet "$peers" >>"$work/pf"
  done
  labels="$shared/corpus/sisimai/labels.jsonl"
  "$bounced" classify --format jsonl "$shared/corpus/sisimai" >"$work/bounced.jsonl" 2>/dev/null || true
  "${sisimai[@]}" "$shared/corpus/sisimai" >"$work/sisimai.jsonl" 2>/dev/null
  "${flufl[@]}" "$shared/corpus/sisimai" >"$work/flufl.jsonl" 2>/dev/null
  score() { python3 "$shared/tools/score.py" "$labels" "$1" "${@:2}" | tail -1; }
  tb=$(cut -d' ' -f1 "$work/pb" | median); cb=$(cut -d' ' -f2 "$work/pb" | median)
  echo "| program | seconds for $count | messages/s | bounced / it | score.py (all 370) | half b |"
  echo "|---|---|---|---|---|---|"
  echo "| bounced $("$bounced" --version 2>/dev/null | head -1 | awk '{ print $NF }'), one thread | $tb ($cb) | $(rate "$count" "$tb") | 1.00 | $(score "$work/bounced.jsonl") | $(score "$work/bounced.jsonl" --half b) |"
  for peer in sisimai flufl; do
    file="$work/ps" name="Sisimai $(dpkg-query -W -f '${Version}' libsisimai-perl)"
    [ "$peer" = flufl ] && file="$work/pf" name="flufl.bounce $(dpkg-query -W -f '${Version}' python3-flufl.bounce)"
    t=$(cut -d' ' -f1 "$file" | median); c=$(cut -d' ' -f2 "$file" | median)
    echo "| $name | $t ($c) | $(rate "$count" "$t") | $(ratio "$t" "$tb") | $(score "$work/$peer.jsonl") | $(score "$work/$peer.jsonl" --half b) |"
  done
  echo
fi

if part latency; then
  echo "## Start-up and first-message latency"
  echo
  fixture="$here/tests/fixtures/postfix/$(ls "$here/tests/fixtures/postfix" | grep '\.eml$' | head -1)"
  echo '```'
  "$first_message" "$fixture" "$shared/corpus/sisimai"
  echo "-- with the rule examples run first:"
  "$first_message" --warm "$fixture" "$shared/corpus/sisimai"
  : >"$work/lat"
  for r in 1 2 3 4 5; do measure "$bounced" classify "$fixture" >>"$work/lat"; done
  echo "-- whole process, \`bounced classify\` of that one mail: $(cut -d' ' -f1 "$work/lat" | median) s"
  echo '```'
  echo
fi
