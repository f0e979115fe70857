-- iso_timestamp: Rule "ISO times" of the delta files: 'YYYY-MM-DD HH:MM:SS' with an optional
-- fraction of a second, no time zone; anything else is NULL (a malformed stamp to the model).
CREATE MACRO iso_timestamp(field) AS
    CASE
        WHEN REGEXP_MATCHES(field, '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$')
            THEN TRY_CAST(field AS TIMESTAMP)
    END
