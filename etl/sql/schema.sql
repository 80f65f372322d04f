-- Wijkbeeld warehouse schema, version 2 (wijkbeeld.settings.Settings.schema_version).
-- Layers: meta_* (build bookkeeping), stg_* (typed mirror of what the readers read), dim_*/fct_*/mart_* (what the
-- dashboard reads). Counts are nullable on purpose: NULL means "withheld or unknown", never zero.

CREATE TABLE meta_schema (
    schema_version INTEGER NOT NULL,
    built_at TIMESTAMPTZ NOT NULL,
    build_id VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL,
    pseudonym_key_fingerprint VARCHAR,      -- tells whether two builds used the same key; the key itself is never stored
    retention_months INTEGER NOT NULL,
    reference_date DATE NOT NULL            -- the date retention was measured from
);

-- One row per build: this one and up to nine before it (carried over from the previous warehouse), so the
-- Data en kwaliteit page can show recent builds with their rejected records.
CREATE TABLE meta_build (
    build_id VARCHAR PRIMARY KEY,
    built_at TIMESTAMPTZ NOT NULL,
    is_demo BOOLEAN NOT NULL,
    schema_version INTEGER NOT NULL,
    pseudonym_key_fingerprint VARCHAR,
    retention_months INTEGER NOT NULL,
    reference_date DATE NOT NULL,
    seconds DOUBLE,
    records_rejected BIGINT
);

CREATE TABLE meta_build_log (
    build_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    logged_at TIMESTAMPTZ NOT NULL,
    level VARCHAR NOT NULL,                 -- info | warning | error
    message VARCHAR NOT NULL
);

CREATE TABLE meta_source_file (
    build_id VARCHAR NOT NULL,
    source_kind VARCHAR NOT NULL,           -- boundaries | population | police_crime | survey | posts | pages | accounts
    path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    records_read BIGINT,
    records_loaded BIGINT,
    records_rejected BIGINT,
    duplicates_merged BIGINT,
    period_start DATE,
    period_end DATE
);

CREATE TABLE meta_rejected_record (
    build_id VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    record VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw_excerpt VARCHAR                      -- redacted before storage: may hold resident text
);

-- Staging: one table per source entity, typed, as read.
CREATE TABLE stg_cbs__area (
    area_code VARCHAR PRIMARY KEY,
    level VARCHAR NOT NULL CHECK (level IN ('gemeente', 'wijk', 'buurt')),
    area_name VARCHAR NOT NULL,
    gemeente_code VARCHAR NOT NULL,
    wijk_code VARCHAR,
    area_m2 DOUBLE,
    geometry_geojson VARCHAR                -- WGS84, simplified with shared borders kept
);

CREATE TABLE stg_cbs__population (
    area_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    population BIGINT,                      -- NULL: not published
    source_table VARCHAR NOT NULL
);

CREATE TABLE stg_politie__incident (
    area_code VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_type VARCHAR NOT NULL CHECK (period_type IN ('maand', 'jaar')),
    crime_code VARCHAR NOT NULL,
    crime_label VARCHAR,
    incident_count BIGINT CHECK (incident_count >= 0),  -- NULL: withheld by the source
    source_table VARCHAR NOT NULL
);

CREATE TABLE stg_survey__indicator (
    area_code VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    indicator VARCHAR NOT NULL,
    value DOUBLE,
    lower DOUBLE,
    upper DOUBLE,
    respondents BIGINT,
    source_table VARCHAR NOT NULL
);

CREATE TABLE stg_posts__page (
    page_id VARCHAR PRIMARY KEY,
    platform VARCHAR NOT NULL,
    page_name VARCHAR NOT NULL,
    wijk_codes VARCHAR NOT NULL,            -- ';'-separated
    launch_date DATE,
    owner_type VARCHAR NOT NULL
);

CREATE TABLE stg_posts__account (
    platform VARCHAR NOT NULL,
    account_ref VARCHAR NOT NULL,
    account_name VARCHAR NOT NULL,
    owner_type VARCHAR NOT NULL
);

CREATE TABLE stg_posts__post (
    post_id VARCHAR PRIMARY KEY,            -- platform || ':' || natural key
    platform VARCHAR NOT NULL,
    page_id VARCHAR,
    parent_id VARCHAR,
    kind VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    author_pseudonym VARCHAR,               -- keyed HMAC; never a name
    author_type VARCHAR NOT NULL,           -- bewoner | gemeente | politie | corporatie | welzijn | pagina
    org_name VARCHAR,                       -- only for organisational accounts
    text_redacted VARCHAR,
    permalink VARCHAR,                      -- kept for organisational posts only
    reactions BIGINT,
    comments BIGINT,
    shares BIGINT,
    exported_at TIMESTAMPTZ,
    source_file VARCHAR NOT NULL
);

CREATE TABLE stg_posts__theme (
    post_id VARCHAR NOT NULL,
    theme VARCHAR NOT NULL,
    matched_terms VARCHAR NOT NULL          -- JSON list: why the theme was given
);

CREATE TABLE stg_posts__tone (
    post_id VARCHAR PRIMARY KEY,
    tone TINYINT NOT NULL                   -- -1 negatief, 0 neutraal, 1 positief
);

CREATE TABLE dim_theme (
    theme VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    theme_group VARCHAR NOT NULL,
    description VARCHAR
);

CREATE TABLE dim_crime_type (
    crime_code VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    crime_group VARCHAR NOT NULL,
    theme VARCHAR                           -- matching post theme, if any
);

CREATE TABLE dim_indicator (
    indicator VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    higher_is_worse BOOLEAN NOT NULL
);
