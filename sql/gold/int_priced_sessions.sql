-- int_priced_sessions: one row per session of silver.fct_sessions ingested up to the as-of
-- batch, priced with the student's and the tutor's contract rates valid at the session time
-- (SCD2 as-of join on the id: effective_start_ts <= session_ts < effective_end_ts). Key:
-- session_id. The base every other gold table aggregates; stored, so a daily build reprices
-- only the sessions of the students a batch touched (@scope student_id) instead of all.
--
-- Money rules (docs/gold.md):
--   revenue = student rate valid at session_ts x hours, billable sessions only (status 0, 1)
--   pay     = tutor rate valid at session_ts x hours, billable sessions only
--   margin  = revenue - pay; each amount is rounded to cents per session (DECIMAL(18,2)).
-- A billable session is priced only when both rates are known; otherwise it is "unpriced":
-- it counts as a session with its hours, but contributes 0 revenue and 0 pay.
-- previous_session_ts is the student's session before this one (any status; ties broken by
-- session_id), NULL for the first; sessions stamped before the student existed have none and
-- are skipped, as on the rosters. It marks enrollments (gold.subject_demand).
-- @kind full
-- @scope student_id
-- @partitioned_by month_start

WITH sessions AS (
    SELECT
        session_id,
        student_id,
        tutor_id,
        subject_id,
        session_ts,
        CAST(date_trunc('month', session_ts) AS DATE) AS month_start,
        duration_hours,
        status,
        is_billable,
        is_orphan,
        ingest_date
    FROM silver.fct_sessions
    -- gold as of batch D sees the sessions ingested up to D
    WHERE
        ingest_date <= :as_of_date
        AND (:full_build OR student_id IN (SELECT student_id FROM gold_scope_student_id))
),

-- Validity window of each student version. The first version of an id also covers any
-- earlier time: a session stamped before the student's creation (a back-dated stamp) is
-- priced at the student's first rate instead of going unpriced.
student_versions AS (
    SELECT
        student_id,
        contract_rate,
        effective_start_ts,
        CASE
            WHEN effective_start_ts = MIN(effective_start_ts) OVER (PARTITION BY student_id)
                THEN TIMESTAMP '1900-01-01 00:00:00'
            ELSE effective_start_ts
        END AS valid_from,
        effective_end_ts AS valid_to,
        MIN(effective_start_ts) OVER (PARTITION BY student_id) AS first_start_ts
    FROM silver.dim_students
    WHERE :full_build OR student_id IN (SELECT student_id FROM gold_scope_student_id)
),

tutor_versions AS (
    SELECT
        tutor_id,
        contract_rate,
        CASE
            WHEN effective_start_ts = MIN(effective_start_ts) OVER (PARTITION BY tutor_id)
                THEN TIMESTAMP '1900-01-01 00:00:00'
            ELSE effective_start_ts
        END AS valid_from,
        effective_end_ts AS valid_to
    FROM silver.dim_tutors
),

rated AS (
    SELECT
        s.*,
        sv.contract_rate AS student_rate,
        tv.contract_rate AS tutor_rate,
        -- stamped before the student existed: priced, but kept off month-end rosters
        COALESCE(s.session_ts < sv.first_start_ts, FALSE) AS is_before_student_start
    FROM sessions AS s
    LEFT JOIN student_versions AS sv
        ON
            sv.student_id = s.student_id
            AND s.session_ts >= sv.valid_from
            AND s.session_ts < sv.valid_to
    LEFT JOIN tutor_versions AS tv
        ON
            tv.tutor_id = s.tutor_id
            AND s.session_ts >= tv.valid_from
            AND s.session_ts < tv.valid_to
),

flagged AS (
    SELECT
        *,
        is_billable AND student_rate IS NOT NULL AND tutor_rate IS NOT NULL AS is_priced,
        is_billable AND (student_rate IS NULL OR tutor_rate IS NULL) AS is_unpriced
    FROM rated
),

final AS (
    SELECT
        session_id,
        student_id,
        tutor_id,
        subject_id,
        session_ts,
        month_start,
        duration_hours,
        status,
        is_billable,
        status = 2 AS is_cancelled,
        CASE WHEN is_billable THEN duration_hours ELSE 0.0 END AS billable_hours,
        student_rate,
        tutor_rate,
        is_orphan,
        is_unpriced,
        is_before_student_start,
        CASE
            WHEN NOT is_before_student_start
                THEN LAG(session_ts) OVER (
                    PARTITION BY student_id, is_before_student_start
                    ORDER BY session_ts, session_id
                )
        END AS previous_session_ts,
        CASE
            WHEN is_priced THEN CAST(ROUND(student_rate * duration_hours, 2) AS DECIMAL(18, 2))
            ELSE CAST(0 AS DECIMAL(18, 2))
        END AS revenue,
        CASE
            WHEN is_priced THEN CAST(ROUND(tutor_rate * duration_hours, 2) AS DECIMAL(18, 2))
            ELSE CAST(0 AS DECIMAL(18, 2))
        END AS contractor_pay,
        ingest_date
    FROM flagged
)

SELECT * FROM final
