-- dim_subjects: the subjects a session can have (docs/CONTRACTS.md). Static reference table,
-- key subject_id; is_test_prep marks standardized test preparation (SAT/ACT/PSAT+).
-- @kind full
WITH subjects (subject_id, subject_name, is_test_prep) AS (
    VALUES
        (0, 'Other', FALSE),
        (1, 'SAT/ACT/PSAT+', TRUE),
        (2, 'Math', FALSE),
        (3, 'Science', FALSE),
        (4, 'Foreign Language', FALSE),
        (5, 'Language Arts', FALSE),
        (6, 'Social Studies', FALSE)
)

SELECT
    CAST(subject_id AS INTEGER) AS subject_id,
    CAST(subject_name AS VARCHAR) AS subject_name,
    CAST(is_test_prep AS BOOLEAN) AS is_test_prep
FROM subjects
