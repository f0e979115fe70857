-- whole_between: a number (num) read from the session files that must be whole and within
-- [low, high] (ids up to 2^53 - 1, exact in a DOUBLE; codes within +-1,000,000); else NULL,
-- which stg_sessions rejects as ERR_UNPARSEABLE. The caller casts it to its integer type.
CREATE MACRO whole_between(num, low, high) AS
    CASE
        WHEN num BETWEEN low AND high AND num = FLOOR(num) THEN num
    END
