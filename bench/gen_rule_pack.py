#!/usr/bin/env python3
"""Writes a synthetic rule pack of N rules (default 1000) for benchmarking the rule engine.

usage: gen_rule_pack.py OUTDIR [N]

Rules look like real ones: a provider-ish token plus two or three words from an SMTP-reply
vocabulary, some with alternations and \\s+, in 10 default files of N/10 rules each. Each rule
carries an example built from its own words, so `bounced rules check OUTDIR` passes.
"""
import os
import random
import sys

WORDS = ("mailbox account recipient user address domain quota storage policy spam reputation "
         "listed blocked rejected denied refused unavailable disabled suspended inactive "
         "exceeded limit rate connection timeout relay authentication spf dkim dmarc content "
         "message size header syntax invalid unknown temporary permanent deferred greylisted "
         "local remote server host network dns lookup failure error service abuse complaint").split()
REASONS = ["user_unknown", "mailbox_full", "blocked_reputation", "spam_content", "policy_rejected",
           "rate_limited", "network_error", "mailbox_disabled", "message_too_large", "system_error"]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = random.Random(1)
    os.makedirs(out, exist_ok=True)
    per_file = max(1, n // 10)
    made = 0
    for f in range(10):
        with open(os.path.join(out, "%02d-synthetic.yaml" % f), "w") as fh:
            fh.write("ruleset: synthetic-%02d\nrules:\n" % f)
            for i in range(per_file if f < 9 else n - made):
                words = rng.sample(WORDS, 3)
                token = "X%04d" % made
                pattern = r"%s\s+%s\s+(?:%s|%s)" % (token, words[0], words[1], words[2])
                example = "550 5.7.1 %s %s %s for this recipient" % (token, words[0], words[1])
                fh.write("  - id: synthetic-%04d\n" % made)
                fh.write("    match: '%s'\n" % pattern)
                fh.write("    reason: %s\n" % rng.choice(REASONS))
                fh.write("    examples: [\"%s\"]\n" % example)
                made += 1
    print("wrote %d rules to %s" % (made, out))


if __name__ == "__main__":
    main()
