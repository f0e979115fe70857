-- ingest_sessions: what the batch just ingested did to sessions already in silver, and how
-- many of its own sessions are orphans, from the ephemeral models of the ingest (read after
-- the batch's models ran, before the engine closes its session).
--   superseded_earlier  sessions of earlier batches the batch replaced (SUPERSEDED_LATER_BATCH)
--   orphan_sessions     the batch's kept sessions whose student or tutor is not known yet
SELECT
    (SELECT COUNT(*) FROM silver.stg_sessions WHERE origin = 'silver') AS superseded_earlier,
    (
        SELECT COUNT(*) FROM silver.stg_session_keys WHERE origin = 'batch' AND is_orphan
    ) AS orphan_sessions
