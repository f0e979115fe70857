-- whole_between: a number read from the session files that must be whole and within
-- [low, high] (ids up to 2^53 - 1, exact in a DOUBLE; codes within +-1,000,000); else NULL,
-- which stg_sessions rejects as ERR_UNPARSEABLE. The caller casts it to its integer type.
CREATE MACRO whole_between(number, low, high) AS
    CASE
        WHEN number BETWEEN low AND high AND number = FLOOR(number) THEN number
    END
