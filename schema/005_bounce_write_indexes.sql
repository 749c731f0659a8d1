-- 005: two indexes fewer to maintain for every stored bounce.
--
-- bounces_fingerprint duplicated the leading column of UNIQUE (fingerprint, recipient,
-- received_at), which serves every lookup by fingerprint as well.
DROP INDEX IF EXISTS bounces_fingerprint;
-- bounces_unjoined (send_row_id IS NULL) is a subset of bounces_rejoinable (send_row_id IS NULL
-- OR join_method = 'recipient_window', migration 004): a query for unjoined bounces by time is
-- served by the latter, whose predicate its own implies.
DROP INDEX IF EXISTS bounces_unjoined;
