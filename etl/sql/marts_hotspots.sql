-- Hotspots page: what residents wrote about the kind of incident a hotspot is about.
-- Per wijk, month and crime group: resident messages (posts and comments by author_type 'bewoner') carrying a theme
-- that dim_crime_type links to that group. A message with two themes of one group counts once. 'totaal' covers
-- every theme linked to a crime type outside registered nuisance ('overlast', 47024NED), matching the page's
-- crime total. A page serving several wijken counts for each (as in mart_wijk_post_month). Months without such
-- messages have no row: the page decides whether that is a zero (page live, posts loaded) or unknown.
CREATE TABLE mart_wijk_crime_theme_posts_month AS
WITH group_theme AS (
    SELECT DISTINCT crime_group, theme FROM dim_crime_type WHERE theme IS NOT NULL
    UNION
    SELECT DISTINCT 'totaal', theme FROM dim_crime_type WHERE theme IS NOT NULL AND crime_group <> 'overlast'
)
SELECT b.wijk_code, p.month, g.crime_group, count(DISTINCT p.post_id) AS resident_messages
FROM fct_post p
JOIN fct_post_theme t USING (post_id)
JOIN group_theme g USING (theme)
JOIN bridge_page_wijk b USING (page_id)
WHERE p.author_type = 'bewoner'
GROUP BY ALL;

-- Per area and month: all registered crime, i.e. every crime group except registered nuisance ('overlast', its own
-- source and no crime). NULL when any part is withheld, as in mart_incident_group_month. Read by the Hotspots,
-- Vergelijken and Evaluatie pages as the group 'totaal'.
CREATE TABLE mart_incident_total_month AS
SELECT f.area_code, f.level, f.month,
       CASE WHEN count(*) FILTER (WHERE f.incident_count IS NULL) = 0 THEN sum(f.incident_count) END AS incident_count,
       count(*) FILTER (WHERE f.incident_count IS NULL) AS withheld_parts
FROM fct_incident_month f
JOIN dim_crime_type c USING (crime_code)
WHERE c.crime_group <> 'overlast'
GROUP BY ALL;
