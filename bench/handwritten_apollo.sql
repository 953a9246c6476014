-- Apollo settlement written by hand: the baseline rulekit's generated query is timed against.
--
-- What an engineer would write for campaigns/apollo.rules without rulekit, over the
-- tables accounts, hosts, live_sessions, product_views and orders (timestamps UTC).
-- One row per account: flags, the metrics that decide the leaderboard, rank, prize,
-- rebate and total, money in cents (BIGINT).
--
-- Window: 14-27 Feb 2022 inclusive, America/New_York (UTC-5 in February)
--   = [2022-02-14 05:00 UTC, 2022-02-28 05:00 UTC).
-- Eligible: agency of the partner program, US, hosts submitted and at least one host.
-- Gate: every host more than 14 h (50,400 s) of effective live time (products_shown > 0),
--   sessions clipped to the window.
-- Warn: any host more than 2 h (7,200 s) idle (products_shown = 0).
-- Disqualify: click farming flag; refund rate > 30 % once an account has >= 20 orders.
-- Rank qualified accounts by product UV desc, net GMV desc, account id asc (the id is
--   unique, so there are no ties and row_number is the competition rank).
-- Prizes $4,000 / $2,500 / $1,500 / $1,000 / $1,000, pool $10,000 (scale down, round down).
-- Rebate 2 % of net GMV (> 0 only), capped at $2,000 per account, rounded half-even to
--   the cent; budget $50,000 (scale down, round down).
WITH
views_uv AS (
    SELECT account_id, count(DISTINCT viewer_id) AS product_uv
    FROM product_views
    WHERE ts >= TIMESTAMP '2022-02-14 05:00:00' AND ts < TIMESTAMP '2022-02-28 05:00:00'
    GROUP BY account_id
),
order_stats AS (
    SELECT account_id,
           count(*) AS order_count,
           count(*) FILTER (WHERE refunded) AS refunded_orders,
           sum(gmv) FILTER (WHERE NOT refunded) AS net_gmv
    FROM orders
    WHERE ts >= TIMESTAMP '2022-02-14 05:00:00' AND ts < TIMESTAMP '2022-02-28 05:00:00'
    GROUP BY account_id
),
session_time AS (
    SELECT account_id, host_id, products_shown,
           date_diff('second', greatest(start_ts, TIMESTAMP '2022-02-14 05:00:00'),
                               least(end_ts, TIMESTAMP '2022-02-28 05:00:00')) AS seconds
    FROM live_sessions
    WHERE start_ts < TIMESTAMP '2022-02-28 05:00:00' AND end_ts > TIMESTAMP '2022-02-14 05:00:00'
),
host_time AS (
    SELECT h.account_id, h.host_id,
           coalesce(sum(s.seconds) FILTER (WHERE s.products_shown > 0), 0) AS effective_seconds,
           coalesce(sum(s.seconds) FILTER (WHERE s.products_shown = 0), 0) AS idle_seconds
    FROM hosts h
    LEFT JOIN session_time s ON s.account_id = h.account_id AND s.host_id = h.host_id
    GROUP BY h.account_id, h.host_id
),
host_stats AS (
    SELECT account_id,
           count(*) AS host_count,
           bool_and(effective_seconds > 50400) AS every_host_live,
           bool_or(idle_seconds > 7200) AS any_host_idle
    FROM host_time
    GROUP BY account_id
),
status AS (
    SELECT a.account_id,
           coalesce(v.product_uv, 0) AS product_uv,
           coalesce(o.net_gmv, 0) AS net_gmv,
           (a.kind = 'agency' AND a.program = 'TikTok Shopping Partner' AND a.region = 'US'
               AND a.hosts_submitted AND coalesce(hs.host_count, 0) >= 1) IS TRUE AS eligible,
           coalesce(hs.every_host_live, TRUE) AS passes_live_hours,
           coalesce(hs.any_host_idle, FALSE) AS warned,
           a.click_farming_flag IS TRUE
               OR (coalesce(o.order_count, 0) >= 20 AND o.refunded_orders * 10 > o.order_count * 3) AS disqualified
    FROM accounts a
    LEFT JOIN views_uv v ON v.account_id = a.account_id
    LEFT JOIN order_stats o ON o.account_id = a.account_id
    LEFT JOIN host_stats hs ON hs.account_id = a.account_id
),
qualified AS (
    SELECT *, eligible AND passes_live_hours AND NOT disqualified AS qualified FROM status
),
ranked AS (
    SELECT *,
           CASE WHEN qualified THEN row_number() OVER (
               PARTITION BY qualified ORDER BY product_uv DESC, net_gmv DESC, account_id ASC) END AS rank
    FROM qualified
),
before_limits AS (
    SELECT *,
           CASE rank WHEN 1 THEN 400000 WHEN 2 THEN 250000 WHEN 3 THEN 150000
                     WHEN 4 THEN 100000 WHEN 5 THEN 100000 ELSE 0 END AS prize_before,
           CASE WHEN qualified AND net_gmv > 0
                THEN CAST(round_even(least(net_gmv * 0.02, 2000), 2) * 100 AS BIGINT)
                ELSE 0 END AS rebate_before
    FROM ranked
),
paid AS (
    SELECT *,
           CASE WHEN sum(prize_before) OVER () > 1000000
                THEN prize_before * 1000000 // sum(prize_before) OVER () ELSE prize_before END AS prize_cents,
           CASE WHEN sum(rebate_before) OVER () > 5000000
                THEN rebate_before * 5000000 // sum(rebate_before) OVER () ELSE rebate_before END AS rebate_cents
    FROM before_limits
)
SELECT account_id, eligible, qualified, disqualified, warned, product_uv, net_gmv, rank,
       CAST(prize_cents AS BIGINT) AS prize_cents,
       CAST(rebate_cents AS BIGINT) AS rebate_cents,
       CAST(prize_cents + rebate_cents AS BIGINT) AS total_cents
FROM paid
ORDER BY account_id
