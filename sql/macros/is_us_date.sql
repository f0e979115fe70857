-- is_us_date: Rule "US dates": the date is written MM/DD/YYYY (a writer's locale), which
-- calendar_date reads as month/day/year; the model audits the repair (ERR_MALFORMED_DATE).
CREATE MACRO is_us_date(field) AS
    COALESCE(REGEXP_MATCHES(field, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'), FALSE)
