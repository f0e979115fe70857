-- dim_appt_status: the statuses a session can have (docs/CONTRACTS.md). Static reference table,
-- key status_id. A No-Show is a late cancel and is billed; a cancel with notice is not.
-- @kind full
WITH statuses (status_id, status_name, is_billable) AS (
    VALUES
        (0, 'Completed', TRUE),
        (1, 'No-Show', TRUE),
        (2, 'Cancelled', FALSE)
)

SELECT
    CAST(status_id AS INTEGER) AS status_id,
    CAST(status_name AS VARCHAR) AS status_name,
    CAST(is_billable AS BOOLEAN) AS is_billable
FROM statuses
