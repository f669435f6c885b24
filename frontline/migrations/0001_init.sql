-- frontline PostGIS store, schema version 1.
--
-- Applied by `frontline store init` inside the store's schema (search_path = <schema>, <postgis
-- schema>), so no name below is schema-qualified. Layout:
--
--   theatres          one row per theatre (id, name, extent)
--   control_areas     THE CURRENT SITUATION: one row per theatre, date and faction. QGIS opens
--                     and edits this table directly (primary key id, geometry geom).
--   snapshots         one row per theatre and date: its current revision number
--   revisions         append-only: one row per revision of a theatre and date (author, time)
--   area_revisions    append-only: the areas of every revision, so any revision can be restored
--   area_history      view: every revision's areas with an is_current flag
--   places            the gazetteer (points)
--   observations      dated, sourced observations "faction F holds place P on date D"
--
-- Every change to control_areas -- from frontline or from QGIS -- is recorded by statement
-- triggers as a new revision of each (theatre, date) it touched; all changes made by one
-- transaction (one QGIS "save") form one revision. Writers to the same theatre and date are
-- serialised by a transaction-level advisory lock (frontline_lock) taken before the revision
-- is read and checked.

CREATE TABLE theatres (
    id          text PRIMARY KEY,
    name        text NOT NULL DEFAULT '',
    extent      geometry(Polygon, 4326),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE snapshots (
    theatre     text NOT NULL,
    date        date NOT NULL,
    revision    integer NOT NULL,
    n_areas     integer NOT NULL DEFAULT 0,
    author      text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    txid        bigint,
    PRIMARY KEY (theatre, date)
);

CREATE TABLE revisions (
    theatre        text NOT NULL,
    date           date NOT NULL,
    revision       integer NOT NULL CHECK (revision > 0),
    author         text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    message        text NOT NULL DEFAULT '',
    n_areas        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (theatre, date, revision)
);

CREATE TABLE area_revisions (
    id          bigserial PRIMARY KEY,
    theatre     text NOT NULL,
    date        date NOT NULL,
    revision    integer NOT NULL,
    faction     text NOT NULL,
    sources     text[] NOT NULL DEFAULT '{}',
    confidence  double precision NOT NULL DEFAULT 1,
    note        text NOT NULL DEFAULT '',
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    valid_from  date NOT NULL,
    author      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (theatre, date, revision, faction),
    FOREIGN KEY (theatre, date, revision) REFERENCES revisions (theatre, date, revision)
);
CREATE INDEX area_revisions_geom_gist ON area_revisions USING gist (geom);

CREATE TABLE control_areas (
    id          bigserial PRIMARY KEY,
    theatre     text NOT NULL,
    date        date NOT NULL,
    faction     text NOT NULL,
    sources     text[] NOT NULL DEFAULT '{}',
    confidence  double precision NOT NULL DEFAULT 1 CHECK (confidence >= 0 AND confidence <= 1),
    note        text NOT NULL DEFAULT '',
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    valid_from  date,
    valid_to    date,
    revision    integer,
    author      text,
    updated_at  timestamptz,
    UNIQUE (theatre, date, faction)
);
CREATE INDEX control_areas_geom_gist ON control_areas USING gist (geom);
CREATE INDEX control_areas_theatre_date ON control_areas (theatre, date);

COMMENT ON TABLE control_areas IS
    'Current control areas, one row per theatre, date and faction. Edit in QGIS; every saved '
    'edit becomes a revision (see revisions, area_history). Check with: frontline control validate --store URL';
COMMENT ON COLUMN control_areas.valid_from IS 'The snapshot date (set automatically).';
COMMENT ON COLUMN control_areas.valid_to IS 'The next snapshot date of the theatre, exclusive; NULL for the latest (set automatically).';

CREATE VIEW area_history AS
    SELECT a.*, (a.revision = s.revision) AS is_current
    FROM area_revisions a JOIN snapshots s USING (theatre, date);

CREATE TABLE places (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    alt_names    text[] NOT NULL DEFAULT '{}',
    kind         text NOT NULL DEFAULT '',
    country      text NOT NULL DEFAULT '',
    precision_m  double precision,
    source       text NOT NULL DEFAULT '',
    population   bigint,
    importance   double precision,
    geom         geometry(Point, 4326) NOT NULL
);
CREATE INDEX places_geom_gist ON places USING gist (geom);
CREATE INDEX places_name ON places (lower(name));

CREATE TABLE observations (
    id          bigserial PRIMARY KEY,
    theatre     text NOT NULL,
    date        date NOT NULL,
    place       text NOT NULL,
    faction     text NOT NULL,
    source      text NOT NULL DEFAULT '',
    confidence  double precision NOT NULL DEFAULT 1 CHECK (confidence >= 0 AND confidence <= 1),
    note        text NOT NULL DEFAULT '',
    geom        geometry(Point, 4326),
    author      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX observations_geom_gist ON observations USING gist (geom);
CREATE INDEX observations_theatre_date ON observations (theatre, date);

-- who is writing: `SET LOCAL frontline.author = ...` (frontline does), else the database user
CREATE FUNCTION frontline_author() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('frontline.author', true), ''), session_user::text)
$$;

-- the lock that serialises writers of one theatre and date (also taken by frontline before it
-- reads the revision it checks)
CREATE FUNCTION frontline_lock(p_theatre text, p_date date) RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtext('frontline:' || current_schema() || ':' || p_theatre),
                                 p_date - date '2000-01-01')
$$;

-- Record the current rows of (theatre, date) as a revision: a new one, or -- when this
-- transaction made the current revision already -- that same revision again.
-- SECURITY DEFINER: editors need write access to control_areas only; the revision tables
-- stay append-only for them (see `frontline store grant`).
CREATE FUNCTION frontline_record_revision(p_theatre text, p_date date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    cur   snapshots%ROWTYPE;
    rev   integer;
    n     integer;
    who   text := frontline_author();
    msg   text := coalesce(current_setting('frontline.message', true), '');
    tx    bigint := txid_current();
BEGIN
    PERFORM frontline_lock(p_theatre, p_date);
    SELECT * INTO cur FROM snapshots WHERE theatre = p_theatre AND date = p_date FOR UPDATE;
    SELECT count(*) INTO n FROM control_areas WHERE theatre = p_theatre AND date = p_date;
    IF cur.revision IS NOT NULL AND cur.txid = tx THEN
        rev := cur.revision;
        DELETE FROM area_revisions WHERE theatre = p_theatre AND date = p_date AND revision = rev;
        UPDATE revisions SET n_areas = n, author = who, message = msg, created_at = now()
            WHERE theatre = p_theatre AND date = p_date AND revision = rev;
        UPDATE snapshots SET n_areas = n, author = who, updated_at = now()
            WHERE theatre = p_theatre AND date = p_date;
    ELSE
        rev := coalesce(cur.revision, 0) + 1;
        INSERT INTO revisions (theatre, date, revision, author, message, n_areas)
            VALUES (p_theatre, p_date, rev, who, msg, n);
        INSERT INTO snapshots (theatre, date, revision, n_areas, author, txid)
            VALUES (p_theatre, p_date, rev, n, who, tx)
            ON CONFLICT (theatre, date) DO UPDATE
            SET revision = EXCLUDED.revision, n_areas = EXCLUDED.n_areas, author = EXCLUDED.author,
                txid = EXCLUDED.txid, updated_at = now();
    END IF;
    INSERT INTO area_revisions (theatre, date, revision, faction, sources, confidence, note, geom, valid_from, author)
        SELECT theatre, date, rev, faction, sources, confidence, note, geom, date, who
        FROM control_areas WHERE theatre = p_theatre AND date = p_date;
    -- derived columns of the current rows (nested statement: the triggers skip it)
    UPDATE control_areas SET revision = rev
        WHERE theatre = p_theatre AND date = p_date AND revision IS DISTINCT FROM rev;
    UPDATE control_areas c SET valid_to = nx.next_date
        FROM (SELECT s.date, lead(s.date) OVER (ORDER BY s.date) AS next_date
              FROM snapshots s WHERE s.theatre = p_theatre AND s.n_areas > 0) nx
        WHERE c.theatre = p_theatre AND c.date = nx.date AND c.valid_to IS DISTINCT FROM nx.next_date;
    RETURN rev;
END
$$;

CREATE FUNCTION control_areas_before_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    NEW.valid_from := NEW.date;
    NEW.author := frontline_author();
    NEW.updated_at := now();
    NEW.sources := coalesce(NEW.sources, '{}');
    NEW.note := coalesce(NEW.note, '');
    NEW.confidence := coalesce(NEW.confidence, 1);
    RETURN NEW;
END
$$;

CREATE FUNCTION control_areas_after_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    k record;
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        FOR k IN SELECT DISTINCT theatre, date FROM new_rows ORDER BY 1, 2 LOOP
            PERFORM frontline_record_revision(k.theatre, k.date);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR k IN SELECT DISTINCT theatre, date FROM old_rows ORDER BY 1, 2 LOOP
            PERFORM frontline_record_revision(k.theatre, k.date);
        END LOOP;
    ELSE
        FOR k IN SELECT theatre, date FROM new_rows UNION SELECT theatre, date FROM old_rows ORDER BY 1, 2 LOOP
            PERFORM frontline_record_revision(k.theatre, k.date);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER control_areas_before BEFORE INSERT OR UPDATE ON control_areas
    FOR EACH ROW EXECUTE FUNCTION control_areas_before_row();
CREATE TRIGGER control_areas_revision_ins AFTER INSERT ON control_areas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION control_areas_after_statement();
CREATE TRIGGER control_areas_revision_upd AFTER UPDATE ON control_areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION control_areas_after_statement();
CREATE TRIGGER control_areas_revision_del AFTER DELETE ON control_areas
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION control_areas_after_statement();

-- TRUNCATE would bypass the revision triggers: refuse it (DELETE records the removal)
CREATE FUNCTION control_areas_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'control_areas cannot be truncated: every change must be recorded as a revision; DELETE the rows instead';
END
$$;
CREATE TRIGGER control_areas_no_truncate BEFORE TRUNCATE ON control_areas
    FOR EACH STATEMENT EXECUTE FUNCTION control_areas_no_truncate();

-- The functions run with the store's schema on their search_path, whatever the client's
-- (QGIS connects with the default search_path).
DO $$
DECLARE
    path text := quote_ident(current_schema()) || ', '
        || (SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'postgis');
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['frontline_author()', 'frontline_lock(text, date)',
                             'frontline_record_revision(text, date)', 'control_areas_before_row()',
                             'control_areas_after_statement()'] LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %s', f, path);
    END LOOP;
END
$$;
