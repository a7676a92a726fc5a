-- The audit trail as a hash chain: every row carries a gapless chain_seq, the previous row's
-- hash and its own, assigned by PostgreSQL under one lock (the head row) in a BEFORE INSERT
-- trigger. Rows are written inside feature transactions on several nodes, and ids are not commit
-- order; the head's row lock is held to the end of the writing transaction, so sequence numbers
-- follow commit order and a rolled-back row leaves no gap. Rows cannot be updated, deleted or
-- truncated. `veza admin audit verify` recomputes every hash.

ALTER TABLE audit_log
    ADD COLUMN request_id text,
    ADD COLUMN chain_seq  bigint,
    ADD COLUMN prev_hash  bytea,
    ADD COLUMN hash       bytea;

CREATE TABLE audit_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL,
    hash     bytea NOT NULL
);

-- The text a row's hash is taken over: every field quoted (NULL distinct from ''), the time in
-- UTC to the microsecond whatever the session's time zone, jsonb's own normalised text.
CREATE FUNCTION audit_canonical(
    seq bigint, prev bytea, actor uuid, action text, target_type text, target_id text,
    ip text, request_id text, data jsonb, created_at timestamptz
) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws(',', seq::text, quote_literal(encode(prev, 'hex')), quote_nullable(actor::text),
        quote_literal(action), quote_nullable(target_type), quote_nullable(target_id), quote_nullable(ip),
        quote_nullable(request_id), quote_literal(data::text),
        quote_literal(to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
$$;

CREATE FUNCTION audit_row_hash(r audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT sha256(convert_to(audit_canonical(r.chain_seq, r.prev_hash, r.actor_id, r.action, r.target_type,
        r.target_id, r.ip, r.request_id, r.data, r.created_at), 'UTF8'))
$$;

-- Existing rows, in id order, from the genesis hash (32 zero bytes).
DO $$
DECLARE
    r audit_log;
    s bigint := 0;
    h bytea := decode(repeat('00', 32), 'hex');
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        s := s + 1;
        r.chain_seq := s;
        r.prev_hash := h;
        h := audit_row_hash(r);
        UPDATE audit_log SET chain_seq = s, prev_hash = r.prev_hash, hash = h WHERE id = r.id;
    END LOOP;
    INSERT INTO audit_head (seq, hash) VALUES (s, h);
END $$;

ALTER TABLE audit_log
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_log_chain_seq UNIQUE (chain_seq);

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s bigint;
    h bytea;
BEGIN
    -- Held until this transaction ends: the next writer waits, then links to this row.
    SELECT seq, hash INTO s, h FROM audit_head WHERE only_row FOR UPDATE;
    NEW.chain_seq := s + 1;
    NEW.prev_hash := h;
    NEW.hash := audit_row_hash(NEW);
    UPDATE audit_head SET seq = NEW.chain_seq, hash = NEW.hash WHERE only_row;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The chain's head as signed by a node every few minutes (also written to its log): deleting the
-- tail of the chain leaves an anchor past its end.
CREATE TABLE audit_anchors (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq       bigint NOT NULL,
    hash      bytea NOT NULL,
    node      text NOT NULL,
    token     text NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_anchors_seq ON audit_anchors (seq DESC);
CREATE TRIGGER audit_anchors_append_only BEFORE UPDATE OR DELETE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE INDEX audit_log_action ON audit_log (action, chain_seq DESC);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, chain_seq DESC);
