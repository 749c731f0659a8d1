// The exit status of every bounced command: one table, the one in bounced(8) EXIT STATUS, and
// tests/unit/cli_exit_codes_test.cpp checks each entry.
#pragma once

namespace bounced::daemon::cli::exit_code {

// Done: every message, record or line was read and stored, the check passed.
inline constexpr int ok = 0;
// Done, but some input could not be read (each is named on standard error, the run went on),
// or the answer is no (`suppressions check`: not suppressed; `suppressions remove`: was not).
inline constexpr int partial = 1;
// Nothing done: a bad command line, configuration or rule pack (each problem named with its
// file:line:column where it has one).
inline constexpr int usage = 2;
// The database failed or could not be reached (or the embedded cluster could not start): the
// unfinished batch was rolled back and its mail left in its source.
inline constexpr int database = 3;
// `bounced ingest -` (an MTA's pipe) and `bounced run`: a temporary failure (sysexits.h
// EX_TEMPFAIL), the MTA keeps the mail and tries again.
inline constexpr int tempfail = 75;

}  // namespace bounced::daemon::cli::exit_code
