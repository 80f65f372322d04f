-- Marts: what the dashboard reads. Built from staging inside the new database file before the swap.

CREATE TABLE dim_gemeente AS
SELECT area_code AS gemeente_code, area_name AS gemeente_name, area_m2, geometry_geojson
FROM stg_cbs__area WHERE level = 'gemeente';

CREATE TABLE dim_wijk AS
SELECT area_code AS wijk_code, area_name AS wijk_name, gemeente_code, area_m2, geometry_geojson
FROM stg_cbs__area WHERE level = 'wijk';

CREATE TABLE dim_buurt AS
SELECT area_code AS buurt_code, area_name AS buurt_name, wijk_code, gemeente_code, area_m2, geometry_geojson
FROM stg_cbs__area WHERE level = 'buurt';

CREATE TABLE dim_area AS
SELECT area_code, level, area_name, gemeente_code, wijk_code, area_m2 FROM stg_cbs__area;

-- Population per area and year; years after the last published year carry the latest figure, marked imputed.
CREATE TABLE fct_population AS
WITH published AS (
    SELECT area_code, year, population FROM stg_cbs__population WHERE population IS NOT NULL
), years AS (
    SELECT DISTINCT year(period_start) AS year FROM stg_politie__incident
    UNION SELECT DISTINCT year(created_at) FROM stg_posts__post
    UNION SELECT DISTINCT year(period_start) FROM stg_survey__indicator
    UNION SELECT DISTINCT year FROM published
), grid AS (
    SELECT a.area_code, y.year FROM stg_cbs__area a CROSS JOIN years y
)
SELECT g.area_code, g.year,
       COALESCE(p.population, latest.population) AS population,
       COALESCE(p.year, latest.year) AS population_year,
       p.population IS NULL AND latest.population IS NOT NULL AS imputed
FROM grid g
LEFT JOIN published p USING (area_code, year)
LEFT JOIN LATERAL (
    SELECT q.population, q.year FROM published q
    WHERE q.area_code = g.area_code AND q.year < g.year
    ORDER BY q.year DESC LIMIT 1
) latest ON p.population IS NULL
WHERE p.population IS NOT NULL OR latest.population IS NOT NULL;

-- Monthly incidents per area and crime type. Withheld counts stay NULL.
CREATE TABLE fct_incident_month AS
SELECT i.area_code, a.level, i.period_start AS month, i.crime_code, i.incident_count
FROM stg_politie__incident i
JOIN stg_cbs__area a USING (area_code)
WHERE i.period_type = 'maand';

-- Wijken the source only publishes per buurt: sum their buurten (NULL when any buurt is withheld).
INSERT INTO fct_incident_month
SELECT b.wijk_code, 'wijk', f.month, f.crime_code,
       CASE WHEN count(*) FILTER (WHERE f.incident_count IS NULL) = 0 THEN sum(f.incident_count) END
FROM fct_incident_month f JOIN dim_buurt b ON f.area_code = b.buurt_code
WHERE f.level = 'buurt' AND b.wijk_code NOT IN (SELECT DISTINCT area_code FROM fct_incident_month WHERE level = 'wijk')
GROUP BY ALL;

-- Per area, month and crime group: the sum is NULL when any part is withheld (never a silent undercount);
-- `known_parts`/`withheld_parts` say why.
CREATE TABLE mart_incident_group_month AS
SELECT f.area_code, f.level, f.month, c.crime_group,
       CASE WHEN count(*) FILTER (WHERE f.incident_count IS NULL) = 0 THEN sum(f.incident_count) END AS incident_count,
       sum(f.incident_count) AS incident_count_known_parts,
       count(*) FILTER (WHERE f.incident_count IS NULL) AS withheld_parts
FROM fct_incident_month f
JOIN dim_crime_type c USING (crime_code)
GROUP BY ALL;

CREATE TABLE fct_survey AS
SELECT s.area_code, a.level, s.period_start, s.indicator, s.value, s.lower, s.upper, s.respondents, s.source_table
FROM stg_survey__indicator s JOIN stg_cbs__area a USING (area_code);

CREATE TABLE dim_page AS
SELECT page_id, platform, page_name, launch_date, owner_type, wijk_codes FROM stg_posts__page;

CREATE TABLE bridge_page_wijk AS
SELECT page_id, trim(unnest(string_split(wijk_codes, ';'))) AS wijk_code FROM stg_posts__page;

CREATE TABLE fct_post AS
SELECT p.post_id, p.platform, p.page_id, p.parent_id, p.kind, p.created_at,
       CAST(date_trunc('month', p.created_at AT TIME ZONE 'Europe/Amsterdam') AS DATE) AS month,
       p.author_pseudonym, p.author_type, p.org_name, p.text_redacted, p.permalink,
       p.reactions, p.comments, p.shares, t.tone, p.source_file
FROM stg_posts__post p LEFT JOIN stg_posts__tone t USING (post_id);

CREATE TABLE fct_post_theme AS SELECT post_id, theme, matched_terms FROM stg_posts__theme;

-- Per wijk and month: message volume and engagement. A page that serves several wijken counts for each.
CREATE TABLE mart_wijk_post_month AS
SELECT b.wijk_code, p.month,
       count(*) AS messages,
       count(*) FILTER (WHERE p.kind = 'post') AS posts,
       count(*) FILTER (WHERE p.kind <> 'post') AS comments,
       count(*) FILTER (WHERE p.author_type = 'bewoner') AS resident_messages,
       sum(p.reactions) AS reactions,
       sum(p.shares) AS shares
FROM fct_post p JOIN bridge_page_wijk b USING (page_id)
GROUP BY ALL;

CREATE TABLE mart_wijk_theme_month AS
SELECT b.wijk_code, p.month, t.theme, count(*) AS messages
FROM fct_post p JOIN fct_post_theme t USING (post_id) JOIN bridge_page_wijk b USING (page_id)
GROUP BY ALL;
