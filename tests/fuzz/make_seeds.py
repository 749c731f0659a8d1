#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target from the project's own files, at run time (nothing
here is committed twice): tests/fixtures/**/*.eml for messages, their message/delivery-status
parts, the shipped rule files, the VERP and store fixtures' envelope addresses, the Postfix log
fixture line by line, and the send-log fixtures.

usage: make_seeds.py SOURCE_DIR OUT_DIR   (writes OUT_DIR/TARGET/NNNN)
"""
import email
import email.policy
import glob
import os
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    fixtures = os.path.join(src, "tests", "fixtures")
    seeds = {t: [] for t in ("message", "delivery_status", "rule_file", "verp", "maillog_line",
                             "send_record")}
    mails = sorted(glob.glob(os.path.join(fixtures, "**", "*.eml"), recursive=True))
    for path in mails:
        raw = open(path, "rb").read()
        seeds["message"].append(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        for part in msg.walk():
            if part.get_content_type() in ("message/delivery-status",
                                           "message/global-delivery-status"):
                # The part's body as it stands in the mail (the email module would split it into
                # header blocks).
                payload = part.get_payload()
                if isinstance(payload, list):
                    payload = "\n".join(p.as_string() for p in payload)
                seeds["delivery_status"].append(payload.encode("utf-8", "surrogateescape"))
        for name in ("To", "Delivered-To", "X-Original-To", "Return-Path"):
            for value in msg.get_all(name) or []:
                for prefix in (b"bounces", b""):
                    seeds["verp"].append(b"+" + prefix + b"\0" + str(value).encode("utf-8", "replace"))
    for path in sorted(glob.glob(os.path.join(src, "rules", "default", "*.yaml"))):
        seeds["rule_file"].append(open(path, "rb").read())
    for path in sorted(glob.glob(os.path.join(fixtures, "maillog", "*"))):
        lines = open(path, "rb").read().splitlines(keepends=True)
        seeds["maillog_line"].extend(lines)
        seeds["maillog_line"].append(b"".join(lines))
    for path in sorted(glob.glob(os.path.join(fixtures, "**", "sends.*"), recursive=True)):
        data = open(path, "rb").read()
        seeds["send_record"].append((b"\1" if path.endswith(".jsonl") else b"\0") + data)
    for target, items in seeds.items():
        directory = os.path.join(out, target)
        os.makedirs(directory, exist_ok=True)
        for n, data in enumerate(items):
            with open(os.path.join(directory, "seed-%04d" % n), "wb") as fh:
                fh.write(data)
        print("%-16s %5d seeds" % (target, len(items)))


if __name__ == "__main__":
    main()
