#!/usr/bin/env python3
"""Sums the durations PostgreSQL logged (log_min_duration_statement = 0) by statement kind.

Usage: bench/statement_times.py SERVER_LOG [N]   - the N most expensive kinds (default 20).
A statement's kind is its first words up to the first table name, with literals dropped, so the
batches' statements group together whatever their parameters.
"""
import collections
import re
import sys

DURATION = re.compile(r"duration: ([0-9.]+) ms\s+(?:statement|execute [^:]*|parse [^:]*|bind [^:]*):\s*(.*)")


def kind(sql):
    sql = re.sub(r"\s+", " ", sql).strip()
    sql = re.sub(r"'[^']*'", "'?'", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return sql[:110]


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    total = collections.Counter()
    calls = collections.Counter()
    for line in open(path, errors="replace"):
        m = DURATION.search(line)
        if not m:
            continue
        k = kind(m.group(2))
        total[k] += float(m.group(1))
        calls[k] += 1
    grand = sum(total.values()) or 1.0
    print(f"{grand / 1000:.2f} s in {sum(calls.values())} statements")
    for k, ms in total.most_common(top):
        print(f"{ms / 1000:7.2f} s {100 * ms / grand:5.1f}% {calls[k]:6d}x  {k}")


main()
