-- scope.fixed_inputs: a fingerprint of the silver tables gold reads whole into every row
-- (subjects, session statuses). An incremental gold build compares it with the one its
-- previous build recorded; when they differ, gold is rebuilt whole.

SELECT MD5(
    (SELECT COALESCE(STRING_AGG(CAST(s AS VARCHAR), '|' ORDER BY s.subject_id), '')
     FROM silver.dim_subjects AS s)
    || '#'
    || (SELECT COALESCE(STRING_AGG(CAST(a AS VARCHAR), '|' ORDER BY a.status_id), '')
        FROM silver.dim_appt_status AS a)
) AS fingerprint
