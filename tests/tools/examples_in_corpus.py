#!/usr/bin/env python3
"""Flag rule examples that were copied from a corpus of real mail.

A rule's `examples:` and `counterexamples:` should test the rule's wording class, written from the
MTAs' and providers' published texts, not replay one mail the rule was shaped to. This script reads
every example of the rule pack and reports those found in the corpus mails:

  verbatim       the example, case and whitespace folded, is a substring of a mail's text
  near-verbatim  the same after masking what differs between copies of one mail: e-mail addresses,
                 IP addresses, host names, numbers, quotes and brackets

Examples shorter than --min-words words after masking are generic phrases ("550 5.1.1 User
unknown") that every MTA writes; they are counted apart and not flagged.

    python3 tests/tools/examples_in_corpus.py rules/default ../shared/corpus/sisimai
    python3 tests/tools/examples_in_corpus.py --list rules/default \
        tests/fixtures/semantics/replies.yaml ../shared/corpus/sisimai

Exit status 1 when anything is flagged, so a check can run it. The mails are read, never written;
the corpus stays a yardstick.
"""

import argparse
import email
import email.policy
import pathlib
import re
import sys

import yaml

ADDRESS = re.compile(r"[\w.+=-]+@[\w.-]+")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
IPV6 = re.compile(r"\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b")
HOST = re.compile(r"\b(?:[a-z0-9-]+\.){2,}[a-z]{2,}\b")
NUMBER = re.compile(r"\d+")
PUNCT = re.compile(r"[<>\[\]()\"'`,;]")
SPACE = re.compile(r"\s+")


def fold(text):
    return SPACE.sub(" ", text.lower()).strip()


def mask(text):
    text = fold(text)
    text = ADDRESS.sub("@", text)
    text = IPV4.sub("#", text)
    text = IPV6.sub("#", text)
    text = HOST.sub("h", text)
    text = NUMBER.sub("0", text)
    text = PUNCT.sub(" ", text)
    # Multi-line replies repeat their code on each line ("550-5.1.1 ... 550-5.1.1 ..."): a copy
    # with the repeats removed is still a copy.
    text = re.sub(r"\b0-0\.0\.0 ", "", text)
    return SPACE.sub(" ", text).strip()


def mail_text(path):
    """The raw mail and every decoded text part, joined: a wording may sit in a QP or base64 part."""
    raw = path.read_bytes()
    chunks = [raw.decode("utf-8", "replace")]
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            if not payload:
                continue
            charset = part.get_content_charset() or "utf-8"
            try:
                chunks.append(payload.decode(charset, "replace"))
            except LookupError:
                chunks.append(payload.decode("utf-8", "replace"))
    except Exception:  # a broken mail still has its raw text
        pass
    return "\n".join(chunks)


def rule_examples(paths):
    """(file, rule id, kind, text) for every example and counterexample of the rule files in the
    given directories, and for every `text` of a test table (a YAML list, such as
    tests/fixtures/semantics/replies.yaml) given as a file."""
    for given in paths:
        given = pathlib.Path(given)
        if given.is_file():
            for line, entry in enumerate(yaml.safe_load(given.read_text(encoding="utf-8")) or []):
                if isinstance(entry, dict) and "text" in entry:
                    yield given.name, f"entry {line + 1}", "examples", str(entry["text"])
            continue
        for path in sorted(given.glob("*.y*ml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(document, dict):
                continue
            for rule in document.get("rules") or []:
                for kind in ("examples", "counterexamples"):
                    values = rule.get(kind) or []
                    if isinstance(values, str):
                        values = [values]
                    for value in values:
                        yield path.name, rule.get("id", "?"), kind, str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+",
                        help="rule directories and test tables, then the corpus directory last")
    parser.add_argument("--min-words", type=int, default=6,
                        help="masked examples with fewer words are generic phrases (default 6)")
    parser.add_argument("--list", action="store_true", help="print every flagged example")
    args = parser.parse_args()
    *rule_dirs, corpus = args.paths

    mails = sorted(pathlib.Path(corpus).glob("*.eml"))
    if not mails:
        sys.exit(f"{corpus}: no .eml files")
    folded, masked = [], []
    for path in mails:
        text = mail_text(path)
        folded.append((path.name, fold(text)))
        masked.append((path.name, mask(text)))

    counts = {"examples": 0, "verbatim": 0, "near-verbatim": 0, "generic": 0}
    flagged = []
    for file, rule_id, kind, text in rule_examples(rule_dirs):
        counts["examples"] += 1
        plain, shape = fold(text), mask(text)
        hit = next((name for name, body in folded if plain in body), None)
        how = "verbatim"
        if hit is None:
            hit = next((name for name, body in masked if shape in body), None)
            how = "near-verbatim"
        if hit is None:
            continue
        if len(shape.split()) < args.min_words:
            counts["generic"] += 1
            continue
        counts[how] += 1
        flagged.append((file, rule_id, kind, how, hit, text))

    if args.list:
        for file, rule_id, kind, how, hit, text in flagged:
            print(f"{file}: {rule_id} {kind[:-1]} {how} in {hit}: {text}")
    print(f"examples={counts['examples']} verbatim={counts['verbatim']} "
          f"near_verbatim={counts['near-verbatim']} generic_phrases_in_corpus={counts['generic']}")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
