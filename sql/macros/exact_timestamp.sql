-- exact_timestamp: Rule "exact stamps" of the session files: exactly 'YYYY-MM-DD HH:MM:SS'
-- with an optional fraction of a second (no time zone, no 24:00 or 60 seconds) and a real
-- time: the text must survive a round trip through TIMESTAMP unchanged. Else NULL.
CREATE MACRO exact_timestamp(field) AS
    CASE
        WHEN
            REGEXP_MATCHES(TRIM(field), '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$')
            AND STRFTIME(TRY_CAST(TRIM(field) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')
            = LEFT(TRIM(field), 19)
            THEN TRY_CAST(TRIM(field) AS TIMESTAMP)
    END
