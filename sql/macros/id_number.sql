-- id_number: Rule "session ids" (stg_sessions' typing): an id is digits only, or the float
-- form '3.0' the original writes in a column that had a null, with blanks around it allowed;
-- read as a DOUBLE so whole_between can bound it. Anything else is NULL.
CREATE MACRO id_number(field) AS
    CASE
        WHEN REGEXP_MATCHES(TRIM(field), '^[0-9]+(\.0*)?$')
            THEN TRY_CAST(TRIM(field) AS DOUBLE)
    END
