-- frontline PostGIS store, schema version 3: how each area is known, and the build's support.
--
-- * control_areas and area_revisions get `basis`: 'observed' (within the theatre's
--   fill.observed_km of a supporting observation, or drawn) or 'inferred' (given by the fill
--   convention to the holder of the nearest observed place). A faction may now have one row of
--   each basis per date, so the unique keys include it. Rows written before this migration are
--   'observed' (what they meant).
-- * revisions get `support` (jsonb): the build's report of the share of held land resting on
--   far or old observations. frontline hands it to the revision it writes through the
--   transaction-local setting `frontline.support` (as it hands over `frontline.message`); a
--   revision made by an edit in QGIS has none (the report no longer applies to edited areas).
-- * frontline_record_revision copies `basis` into area_revisions and records `support`. The
--   function is patched in those two places, whatever version of it is installed (0001's or a
--   later one's), so this migration does not undo what other migrations changed in the rest of
--   it, and editors need no new rights.
-- * the area_history view is recreated with the new column; SELECT rights on it are kept.

ALTER TABLE control_areas ADD COLUMN basis text NOT NULL DEFAULT 'observed'
    CHECK (basis IN ('observed', 'inferred'));
ALTER TABLE area_revisions ADD COLUMN basis text NOT NULL DEFAULT 'observed'
    CHECK (basis IN ('observed', 'inferred'));
ALTER TABLE revisions ADD COLUMN support jsonb;
COMMENT ON COLUMN control_areas.basis IS
    'observed: within the theatre''s fill.observed_km of a supporting observation (or drawn); '
    'inferred: given by the fill convention to the holder of the nearest observed place.';
COMMENT ON COLUMN revisions.support IS
    'The build''s support report (shares of held land on far or old observations); NULL for edits.';

-- the unique keys: one row per theatre, date, faction and basis
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT con.conname, rel.relname
        FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
        WHERE con.contype = 'u' AND rel.relnamespace = current_schema()::regnamespace
          AND rel.relname IN ('control_areas', 'area_revisions')
          AND NOT EXISTS (SELECT 1 FROM unnest(con.conkey) k JOIN pg_attribute a
                          ON a.attrelid = con.conrelid AND a.attnum = k WHERE a.attname = 'basis')
    LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, c.conname);
    END LOOP;
END
$$;
ALTER TABLE control_areas ADD CONSTRAINT control_areas_theatre_date_faction_basis_key
    UNIQUE (theatre, date, faction, basis);
ALTER TABLE area_revisions ADD CONSTRAINT area_revisions_theatre_date_revision_faction_basis_key
    UNIQUE (theatre, date, revision, faction, basis);

-- frontline_record_revision: copy basis into area_revisions, record the support report
DO $$
DECLARE
    def text := pg_get_functiondef('frontline_record_revision(text, date)'::regprocedure);
    with_basis text;
    patched text;
BEGIN
    with_basis := regexp_replace(
        def,
        'area_revisions \(theatre, date, revision, faction, sources, confidence, note, geom, '
        'valid_from, author\)(\s+)SELECT theatre, date, rev, faction, sources,',
        'area_revisions (theatre, date, revision, faction, basis, sources, confidence, note, '
        'geom, valid_from, author)\1SELECT theatre, date, rev, faction, basis, sources,');
    patched := regexp_replace(
        with_basis,
        '(\n\s*)RETURN rev;(\s*)END',
        '\1UPDATE revisions SET support = '
        'nullif(current_setting(''frontline.support'', true), '''')::jsonb'
        '\1    WHERE theatre = p_theatre AND date = p_date AND revision = rev;'
        '\1RETURN rev;\2END');
    IF with_basis = def OR patched = with_basis THEN
        RAISE EXCEPTION 'frontline_record_revision is not the function this migration expects; '
            'cannot add basis and support to it';
    END IF;
    EXECUTE patched;
END
$$;

-- area_history: every revision's areas (now with basis) and an is_current flag
DO $$
DECLARE
    readers text[];
    r text;
BEGIN
    SELECT coalesce(array_agg(DISTINCT grantee::text), '{}') INTO readers
    FROM information_schema.role_table_grants
    WHERE table_schema = current_schema() AND table_name = 'area_history'
      AND privilege_type = 'SELECT' AND grantee <> current_user;
    DROP VIEW area_history;
    CREATE VIEW area_history AS
        SELECT a.*, (a.revision = s.revision) AS is_current
        FROM area_revisions a JOIN snapshots s USING (theatre, date);
    FOREACH r IN ARRAY readers LOOP
        EXECUTE format('GRANT SELECT ON area_history TO %I', r);
    END LOOP;
END
$$;
