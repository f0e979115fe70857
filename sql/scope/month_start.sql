-- scope.month_start: the months whose gold rows change, for an incremental gold build
-- (gold_scope_month_start): the months of the priced sessions that changed (their old and new
-- versions, gold_changed_sessions), the month after each (month-over-month columns), and the
-- months of both as-of times when the as-of time moved (the as-of month's roster is counted
-- at the as-of time).

SELECT month_start FROM gold_changed_sessions
UNION
SELECT CAST(month_start + INTERVAL 1 MONTH AS DATE) FROM gold_changed_sessions
UNION
SELECT CAST(DATE_TRUNC('month', :as_of_ts) AS DATE) WHERE :since_ts < :as_of_ts
UNION
SELECT CAST(DATE_TRUNC('month', :since_ts) AS DATE) WHERE :since_ts < :as_of_ts
