#!/usr/bin/python3
"""Runs flufl.bounce (Debian's python3-flufl.bounce) over mail files or directories and prints
one JSON line per file in the form ../shared/tools/score.py reads. flufl.bounce tells permanent
from temporary failures and nothing else: permanent -> hard, temporary -> soft, no status.
With --quiet nothing is printed (for timing flufl.bounce alone).

usage: flufl_jsonl.py [--quiet] PATH...   (run with Debian's /usr/bin/python3)
"""
import email
import json
import os
import sys

from flufl.bounce import all_failures


def text(address):
    return address.decode("utf-8", "replace") if isinstance(address, bytes) else str(address)


def main():
    quiet = "--quiet" in sys.argv[1:]
    paths = [p for p in sys.argv[1:] if p != "--quiet"]
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += [os.path.join(p, n) for n in sorted(os.listdir(p)) if n.endswith(".eml")]
        else:
            files.append(p)
    for path in files:
        with open(path, "rb") as fh:
            msg = email.message_from_binary_file(fh)
        try:
            permanent, temporary = all_failures(msg)
        except Exception:  # a detector that trips over a mail counts as finding nothing
            permanent, temporary = set(), set()
        if quiet:
            continue
        recipients = [{"address": text(a), "status": "", "category": "hard"} for a in sorted(permanent, key=text)]
        recipients += [{"address": text(a), "status": "", "category": "soft"} for a in sorted(temporary, key=text)]
        print(json.dumps({"file": os.path.basename(path), "recipients": recipients}))


if __name__ == "__main__":
    main()
