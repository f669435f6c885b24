-- frontline PostGIS store, schema version 2: rights that cannot be bypassed, authors that
-- cannot be forged.
--
-- * EXECUTE on frontline's functions is revoked from PUBLIC; `frontline store grant` gives it
--   to editor roles only (readers may only SELECT). frontline_record_revision, which runs with
--   the owner's rights, refuses to run outside the control_areas triggers and for a session
--   user who may not edit control_areas: nobody can append revisions or snapshot rows by
--   calling it.
-- * The author of a revision is the database session user (session_user), which a client
--   cannot choose. The free text a client sets in `frontline.author` ($FRONTLINE_AUTHOR) is
--   kept beside it as display_name. Revisions written before this migration keep their
--   free-text author (display_name stays NULL).
-- * Later migrations are covered too: after every upgrade `frontline store init` revokes
--   EXECUTE from PUBLIC on every function of the schema (not PostGIS's) and re-applies the
--   grants recorded in the table `grants`; `store grant` also sets default privileges so
--   tables added later are readable by every granted role. Roles granted under version 1 are
--   found here from their rights on control_areas.

ALTER TABLE revisions ADD COLUMN display_name text;
ALTER TABLE snapshots ADD COLUMN display_name text;
ALTER TABLE observations ADD COLUMN display_name text;
COMMENT ON COLUMN revisions.author IS
    'Database session user who wrote the revision (free text before schema version 2).';
COMMENT ON COLUMN revisions.display_name IS
    'Free-text name the writer gave (FRONTLINE_AUTHOR); informative only, not checked.';

CREATE TABLE grants (
    role        text PRIMARY KEY,
    level       text NOT NULL CHECK (level IN ('reader', 'editor')),
    granted_by  text NOT NULL DEFAULT session_user,
    granted_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE grants IS 'Roles given rights by `frontline store grant` (re-applied after upgrades).';

-- who is writing: the database session user; never a value the client chooses
CREATE OR REPLACE FUNCTION frontline_author() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT session_user::text
$$;

-- the free-text name a client gives (`SET LOCAL frontline.author = ...`), kept beside the author
CREATE FUNCTION frontline_display_name() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT nullif(left(coalesce(current_setting('frontline.author', true), ''), 200), '')
$$;

CREATE OR REPLACE FUNCTION frontline_record_revision(p_theatre text, p_date date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    cur   snapshots%ROWTYPE;
    rev   integer;
    n     integer;
    who   text := frontline_author();
    disp  text := frontline_display_name();
    msg   text := coalesce(current_setting('frontline.message', true), '');
    tx    bigint := txid_current();
BEGIN
    IF pg_trigger_depth() < 1 THEN
        RAISE EXCEPTION 'frontline_record_revision is run by the control_areas triggers only; '
            'write control_areas instead' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT has_table_privilege(session_user, 'control_areas', 'INSERT, UPDATE, DELETE') THEN
        RAISE EXCEPTION 'permission denied: % may not edit control_areas; ask the owner to run '
            'frontline store grant', session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM frontline_lock(p_theatre, p_date);
    SELECT * INTO cur FROM snapshots WHERE theatre = p_theatre AND date = p_date FOR UPDATE;
    SELECT count(*) INTO n FROM control_areas WHERE theatre = p_theatre AND date = p_date;
    IF cur.revision IS NOT NULL AND cur.txid = tx THEN
        rev := cur.revision;
        DELETE FROM area_revisions WHERE theatre = p_theatre AND date = p_date AND revision = rev;
        UPDATE revisions SET n_areas = n, author = who, display_name = disp, message = msg,
                             created_at = now()
            WHERE theatre = p_theatre AND date = p_date AND revision = rev;
        UPDATE snapshots SET n_areas = n, author = who, display_name = disp, updated_at = now()
            WHERE theatre = p_theatre AND date = p_date;
    ELSE
        rev := coalesce(cur.revision, 0) + 1;
        INSERT INTO revisions (theatre, date, revision, author, display_name, message, n_areas)
            VALUES (p_theatre, p_date, rev, who, disp, msg, n);
        INSERT INTO snapshots (theatre, date, revision, n_areas, author, display_name, txid)
            VALUES (p_theatre, p_date, rev, n, who, disp, tx)
            ON CONFLICT (theatre, date) DO UPDATE
            SET revision = EXCLUDED.revision, n_areas = EXCLUDED.n_areas, author = EXCLUDED.author,
                display_name = EXCLUDED.display_name, txid = EXCLUDED.txid, updated_at = now();
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

-- observations carry their writer too (the session user), whatever the client sends
CREATE FUNCTION observations_before_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.author := frontline_author();
    NEW.display_name := coalesce(frontline_display_name(), NEW.display_name);
    RETURN NEW;
END
$$;
CREATE TRIGGER observations_author BEFORE INSERT OR UPDATE ON observations
    FOR EACH ROW EXECUTE FUNCTION observations_before_row();

DO $$
DECLARE
    path text := quote_ident(current_schema()) || ', '
        || (SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'postgis');
    fns text[] := ARRAY['frontline_author()', 'frontline_display_name()', 'frontline_lock(text, date)',
                        'frontline_record_revision(text, date)', 'control_areas_before_row()',
                        'control_areas_after_statement()', 'control_areas_no_truncate()',
                        'observations_before_row()'];
    f text;
    r record;
BEGIN
    FOREACH f IN ARRAY fns LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %s', f, path);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
    -- roles granted under schema version 1: editors could write control_areas, readers read it
    FOR r IN
        SELECT g.rolname, bool_or(a.privilege_type = 'INSERT') AS editor
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        JOIN pg_roles g ON g.oid = a.grantee
        WHERE c.oid = 'control_areas'::regclass AND a.grantee <> c.relowner
        GROUP BY g.rolname
    LOOP
        INSERT INTO grants (role, level) VALUES (r.rolname, CASE WHEN r.editor THEN 'editor' ELSE 'reader' END)
            ON CONFLICT (role) DO NOTHING;
        IF r.editor THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', array_to_string(fns, ', '),
                           r.rolname);
        END IF;
    END LOOP;
END
$$;
