-- whole_number: Rule "whole numbers" of the delta files (ids, grades, counts, ratings,
-- scores): digits only, or the float form '3.0' the original writes in a column that had a
-- null; no sign, no exponent, no other spelling. Anything else is NULL, which the model
-- reports as ERR_UNPARSEABLE. A BIGINT; a model wanting an INTEGER TRY_CASTs the result.
CREATE MACRO whole_number(field) AS
    CASE
        WHEN REGEXP_MATCHES(field, '^[0-9]+(\.0*)?$')
            THEN TRY_CAST(REGEXP_REPLACE(field, '\.0*$', '') AS BIGINT)
    END
