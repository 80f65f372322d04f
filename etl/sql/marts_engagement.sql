-- Engagement marts (Betrokkenheid page). Built after marts.sql.

-- One row per resident top-level post (kind 'post', no parent, author bewoner) with the first answer by an
-- organisational account anywhere in its thread (comments, replies to comments, deeper replies).
-- Organisational accounts: gemeente, politie, corporatie, welzijn. A message dated before the post it answers is
-- a clock or export error and is not counted as an answer. Hours are NULL when nobody of that kind answered.
CREATE TABLE mart_thread_response AS
WITH RECURSIVE thread(post_id, root_id) AS (
    SELECT post_id, post_id FROM fct_post
    WHERE parent_id IS NULL AND kind = 'post' AND author_type = 'bewoner'
    UNION ALL
    SELECT c.post_id, t.root_id FROM fct_post c JOIN thread t ON c.parent_id = t.post_id
), answers AS (
    SELECT t.root_id AS post_id, m.author_type AS answer_type, min(m.created_at) AS first_at
    FROM thread t
    JOIN fct_post m ON m.post_id = t.post_id
    JOIN fct_post r ON r.post_id = t.root_id
    WHERE m.post_id <> t.root_id
      AND m.author_type IN ('gemeente', 'politie', 'corporatie', 'welzijn')
      AND m.created_at >= r.created_at
    GROUP BY ALL
)
SELECT r.post_id, r.page_id, r.platform, pg.owner_type AS page_owner_type, r.created_at, r.month,
       min(a.first_at) AS first_answer_at,
       arg_min(a.answer_type, a.first_at) AS first_answer_type,
       (epoch(min(a.first_at)) - epoch(r.created_at)) / 3600.0 AS hours_to_first_answer,
       (epoch(min(a.first_at) FILTER (WHERE a.answer_type = 'gemeente')) - epoch(r.created_at)) / 3600.0 AS hours_to_gemeente,
       (epoch(min(a.first_at) FILTER (WHERE a.answer_type = 'politie')) - epoch(r.created_at)) / 3600.0 AS hours_to_politie,
       (epoch(min(a.first_at) FILTER (WHERE a.answer_type = 'corporatie')) - epoch(r.created_at)) / 3600.0 AS hours_to_corporatie,
       (epoch(min(a.first_at) FILTER (WHERE a.answer_type = 'welzijn')) - epoch(r.created_at)) / 3600.0 AS hours_to_welzijn
FROM fct_post r
LEFT JOIN answers a USING (post_id)
LEFT JOIN dim_page pg USING (page_id)
WHERE r.parent_id IS NULL AND r.kind = 'post' AND r.author_type = 'bewoner'
GROUP BY r.post_id, r.page_id, r.platform, pg.owner_type, r.created_at, r.month;
