-- Index experiments behind the proposals in bench/RESULTS.md.
--
--   psql -h 127.0.0.1 -U postgres -d landfall_bench -X -f bench/experiments.sql
--
-- Everything runs inside one transaction that is rolled back: the bench database is
-- left as the migrations made it. Each query is the one Django sends (select_related
-- columns shortened to *), run before and after the index or rewrite it proposes.
-- Times are EXPLAIN ANALYZE's, so without Django's fetch and model building.

\set ON_ERROR_STOP on
\pset pager off
BEGIN;

\echo '=== E1: sort=-contacted (ORDER BY last_contacted_on DESC, id LIMIT 50), as now'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT i.*, b.*, u.*, t.*
FROM crm_institution i
LEFT JOIN crm_building b ON b.id = i.building_id
LEFT JOIN accounts_user u ON u.id = i.owner_id
LEFT JOIN accounts_team t ON t.id = i.team_id
ORDER BY i.last_contacted_on DESC, i.id ASC
LIMIT 50;

CREATE INDEX bench_contacted_id ON crm_institution (last_contacted_on ASC NULLS FIRST, id);
ANALYZE crm_institution;

\echo '=== E1: with (last_contacted_on NULLS FIRST, id) and ORDER BY ... DESC NULLS LAST, id DESC'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT i.*, b.*, u.*, t.*
FROM crm_institution i
LEFT JOIN crm_building b ON b.id = i.building_id
LEFT JOIN accounts_user u ON u.id = i.owner_id
LEFT JOIN accounts_team t ON t.id = i.team_id
ORDER BY i.last_contacted_on DESC NULLS LAST, i.id DESC
LIMIT 50;

\echo '=== E2: page=500 (ORDER BY name_zh, id LIMIT 50 OFFSET 24950), as now'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT i.*, b.*, u.*, t.*
FROM crm_institution i
LEFT JOIN crm_building b ON b.id = i.building_id
LEFT JOIN accounts_user u ON u.id = i.owner_id
LEFT JOIN accounts_team t ON t.id = i.team_id
ORDER BY i.name_zh, i.id
LIMIT 50 OFFSET 24950;

CREATE INDEX bench_name_zh_id ON crm_institution (name_zh, id);
ANALYZE crm_institution;

\echo '=== E2: with (name_zh, id) and the page''s ids picked first (deferred join)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT i.*, b.*, u.*, t.*
FROM crm_institution i
LEFT JOIN crm_building b ON b.id = i.building_id
LEFT JOIN accounts_user u ON u.id = i.owner_id
LEFT JOIN accounts_team t ON t.id = i.team_id
WHERE i.id IN (SELECT id FROM crm_institution ORDER BY name_zh, id LIMIT 50 OFFSET 24950)
ORDER BY i.name_zh, i.id;

\echo '=== E3: a two-character term alone (q=博远): pg_trgm finds no trigram in it, so a scan'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM crm_institution WHERE search_text LIKE '%博远%';

CREATE FUNCTION bench_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT b), '{}')
    FROM (SELECT substr(t, i, 2) AS b FROM generate_series(1, char_length(t) - 1) AS i) s
    WHERE b !~ '\s'
$$;
CREATE INDEX bench_search_bigrams ON crm_institution USING gin (bench_bigrams(search_text));
ANALYZE crm_institution;
SELECT pg_size_pretty(pg_relation_size('bench_search_bigrams')) AS bigram_index,
       pg_size_pretty(pg_relation_size('crm_institution_search_trgm')) AS trigram_index;

\echo '=== E3: with a GIN index on the text''s two-character grams'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM crm_institution
WHERE bench_bigrams(search_text) @> ARRAY['博远'] AND search_text LIKE '%博远%';

\echo '=== E3: a common two-character term (q=基金, 12% of the register), before and after'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM crm_institution WHERE search_text LIKE '%基金%';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT count(*) FROM crm_institution
WHERE bench_bigrams(search_text) @> ARRAY['基金'] AND search_text LIKE '%基金%';

ROLLBACK;
