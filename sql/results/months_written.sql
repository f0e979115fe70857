-- months_written: the session_month partitions of silver.fct_sessions the batch just ingested
-- wrote: those of its kept sessions, of the earlier sessions it re-keyed (stg_session_keys
-- origin 'recheck': a late student or tutor version), and of the earlier sessions it replaced
-- (their rows leave those months). The rows fct_sessions upserts, read back after the write.
SELECT STRFTIME(session_ts, '%Y-%m') AS session_month
FROM silver.stg_sessions
WHERE (origin = 'raw' AND disposition = 'kept') OR origin = 'silver'
UNION
SELECT f.session_month
FROM silver.fct_sessions AS f
INNER JOIN silver.stg_session_keys AS k
    ON k.session_id = f.session_id AND k.origin = 'recheck'
