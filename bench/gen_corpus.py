#!/usr/bin/env python3
"""Writes a corpus of N messages (default 100,000) made from the project's fixture mails
(tests/fixtures/**/*.eml), taken in turn. Each copy gets a header line of its own
("X-Bench-Copy: N") so that no two files are the same bytes; the rest is the fixture as written.

usage: gen_corpus.py SOURCE_DIR OUT_DIR [N]
prints: messages bytes
"""
import glob
import os
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    fixtures = sorted(p for p in glob.glob(os.path.join(src, "tests", "fixtures", "**", "*.eml"),
                                           recursive=True)
                      if os.sep + "fuzz" + os.sep not in p)
    mails = [open(p, "rb").read() for p in fixtures]
    os.makedirs(out, exist_ok=True)
    total = 0
    for i in range(n):
        data = b"X-Bench-Copy: %d\n" % i + mails[i % len(mails)]
        with open(os.path.join(out, "%06d.eml" % i), "wb") as fh:
            fh.write(data)
        total += len(data)
    print(n, total)


if __name__ == "__main__":
    main()
