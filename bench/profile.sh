#!/usr/bin/env bash
# Where `bounced classify` spends its time on one thread, for BENCHMARKS.md: perf record -g over
# the Sisimai mails repeated (symlinks), then
#   - the share of each shared object (self time: bounced, GMime, GLib, RE2, libc, the kernel)
#   - the hottest functions (self time)
#   - the inclusive share of each pipeline stage (children time of bounced's own functions)
# usage: bench/profile.sh [BUILD_DIR] [REPEAT] [WORK_DIR]    (defaults: build, 20, /tmp/bounced-profile)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
repeat=${2:-20}
work=${3:-${TMPDIR:-/tmp}/bounced-profile}
shared=${BENCH_SHARED:-$here/../shared}
mkdir -p "$work/mail"
rm -f "$work"/mail/*.eml
for i in $(seq "$repeat"); do
  for f in "$shared"/corpus/sisimai/*.eml; do ln -s "$f" "$work/mail/$i-$(basename "$f")"; done
done
perf record -q -F 1999 -g -o "$work/perf.data" -- \
  "$build/bounced" classify --format jsonl "$work/mail" >/dev/null 2>&1 || true
report() { perf report -i "$work/perf.data" --stdio --no-header "$@" 2>/dev/null | grep -E '^ +[0-9]'; }
echo "== by shared object (self)"
report --no-children --sort dso --percent-limit 0.5 -g none
echo "== hottest functions (self)"
report --no-children --sort dso,sym --percent-limit 0.7 -g none | head -40
echo "== pipeline stages (inclusive)"
report --children --sort sym -g none |
  grep -E 'Pipeline::run|BounceParser::(parse|read_report)|parse_message|collect_parts|check_message_limits|reject_unreadable|Classifier::classify|RE2::Set::Match|read_text_bounce|FormatCatalog::detect|auto_reply_subtype|read_ses_notification|original_from|to_json|nlohmann.*dump|for_each_message|read_file|g_object_unref|part_text|to_utf8|g_mime_iconv|inline_delivery_status|find_smtp' |
  head -40
