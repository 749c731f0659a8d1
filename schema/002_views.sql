-- 002: dashboard views. Plain views over the partitioned tables, so they are always current;
-- every one is meant to be filtered by time (sent_at / day) so partition pruning keeps it fast.

-- The worst asynchronous verdict of each send: complaint > hard > quota > soft > auto_reply >
-- delivered > unknown, earliest first among equals.
CREATE VIEW send_verdicts AS
SELECT DISTINCT ON (b.send_row_id)
       b.send_row_id, b.send_sent_at, b.id AS bounce_id, b.received_at, b.category, b.reason,
       b.rule, b.join_method
FROM bounces b
WHERE b.send_row_id IS NOT NULL
ORDER BY b.send_row_id,
         CASE b.category WHEN 'complaint' THEN 0 WHEN 'hard' THEN 1 WHEN 'quota' THEN 2
                         WHEN 'soft' THEN 3 WHEN 'auto_reply' THEN 4 WHEN 'delivered' THEN 5
                         ELSE 6 END,
         b.received_at;

-- One row per send and recipient with its final state:
--   sync_hard | sync_soft | sync_quota | sync_unknown   refused at send time
--   complaint | async_hard | async_quota | async_soft    a later report said so
--   auto_reply                                          only an auto-reply came back
--   accepted                                            accepted and nothing bad came back
--   pending                                             no reply recorded yet
-- async_delay: how long after the send the asynchronous verdict arrived.
CREATE VIEW delivery_outcomes AS
SELECT s.id AS send_row_id, s.send_id, s.message_id, s.recipient, s.recipient_domain,
       s.campaign, s.list_id, s.customer, s.sent_at,
       s.reply_code AS sync_reply_code, s.enhanced_status AS sync_status,
       s.sync_category, s.sync_reason,
       v.bounce_id, v.received_at, v.category AS async_category, v.reason AS async_reason,
       v.rule AS async_rule, v.join_method,
       CASE
         WHEN s.sync_category IN ('hard', 'soft', 'quota', 'unknown') THEN 'sync_' || s.sync_category
         WHEN v.category = 'complaint' THEN 'complaint'
         WHEN v.category IN ('hard', 'soft', 'quota') THEN 'async_' || v.category
         WHEN v.category = 'auto_reply' THEN 'auto_reply'
         WHEN s.sync_category = 'pending' AND v.category IS NULL THEN 'pending'
         ELSE 'accepted'
       END AS final_state,
       v.received_at - s.sent_at AS async_delay
FROM sends s
LEFT JOIN send_verdicts v ON v.send_row_id = s.id AND v.send_sent_at = s.sent_at;

-- Asynchronous verdicts per day, category, reason, recipient domain and campaign (the
-- campaign of the joined send, '' when unjoined).
CREATE VIEW daily_bounces AS
SELECT date_trunc('day', b.received_at) AS day, b.category, b.reason, b.recipient_domain,
       COALESCE(s.campaign, '') AS campaign, count(*) AS bounces
FROM bounces b
LEFT JOIN sends s ON s.id = b.send_row_id AND s.sent_at = b.send_sent_at
GROUP BY 1, 2, 3, 4, 5;

-- Synchronous outcomes per day, category, reason, recipient domain and campaign.
CREATE VIEW daily_sends AS
SELECT date_trunc('day', sent_at) AS day, sync_category AS category, sync_reason AS reason,
       recipient_domain, campaign, count(*) AS sends
FROM sends
GROUP BY 1, 2, 3, 4, 5;

-- Per recipient domain and day: sends, and how many ended hard / soft / quota / complaint,
-- synchronously or not.
CREATE VIEW domain_bounce_rates AS
SELECT date_trunc('day', sent_at) AS day, recipient_domain,
       count(*) AS sends,
       count(*) FILTER (WHERE final_state IN ('sync_hard', 'async_hard')) AS hard,
       count(*) FILTER (WHERE final_state IN ('sync_soft', 'async_soft', 'sync_quota', 'async_quota')) AS soft,
       count(*) FILTER (WHERE final_state = 'complaint') AS complaints,
       round(count(*) FILTER (WHERE final_state NOT IN ('accepted', 'pending', 'auto_reply'))::numeric
             / count(*), 4) AS bounce_rate
FROM delivery_outcomes
GROUP BY 1, 2;

-- The most frequent reasons over the last 30 days.
CREATE VIEW top_reasons AS
SELECT category, reason, count(*) AS bounces, count(DISTINCT recipient_domain) AS domains
FROM bounces
WHERE received_at >= now() - interval '30 days'
GROUP BY 1, 2
ORDER BY bounces DESC;

-- Suppressions added and removed per day and the running total of active ones.
CREATE VIEW suppression_growth AS
SELECT day, added, removed,
       sum(added - removed) OVER (ORDER BY day) AS net_total
FROM (SELECT date_trunc('day', at) AS day,
             count(*) FILTER (WHERE action = 'suppress') AS added,
             count(*) FILTER (WHERE action IN ('remove', 'lift')) AS removed
      FROM suppression_events GROUP BY 1) d;
