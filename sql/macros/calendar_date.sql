-- calendar_date: a date of the delta files: ISO 'YYYY-MM-DD', or, by Rule "US dates"
-- (is_us_date), M/D/YYYY read as month/day/year; any other spelling is NULL (unusable).
CREATE MACRO calendar_date(field) AS
    CASE
        WHEN REGEXP_MATCHES(field, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
            THEN TRY_CAST(field AS DATE)
        WHEN is_us_date(field)
            THEN TRY_CAST(
                REGEXP_EXTRACT(field, '([0-9]{4})$', 1) || '-'
                || LPAD(REGEXP_EXTRACT(field, '^([0-9]{1,2})/', 1), 2, '0')
                || '-'
                || LPAD(REGEXP_EXTRACT(field, '/([0-9]{1,2})/', 1), 2, '0')
                AS DATE
            )
    END
