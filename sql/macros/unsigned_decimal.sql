-- unsigned_decimal: Rule "rates": an hourly rate of the delta files is digits with an
-- optional decimal part, no sign, no exponent; anything else is NULL (ERR_UNPARSEABLE).
CREATE MACRO unsigned_decimal(field) AS
    CASE
        WHEN REGEXP_MATCHES(field, '^[0-9]+(\.[0-9]*)?$')
            THEN TRY_CAST(field AS DOUBLE)
    END
