-- One group-commit batch as the store writes it when it knows its streams: the position moves by
-- 1,000 and every stream gets its next event, in one statement (its own transaction).
WITH g AS (UPDATE perpetua_floor.global_position SET highest = highest + 1000 WHERE id = 1 RETURNING highest - 1000 AS start)
INSERT INTO perpetua_floor.event_journal (global_position, persistence_id, stream_id, sequence_nr, written_at,
    written_nanos, manifest, schema_version, tags, payload)
SELECT g.start + x.o, x.i, x.k, g.start / 1000 + 1, to_timestamp(x.w) + (x.n / 1000) * interval '1 microsecond',
    x.n, x.m, x.v, CASE WHEN x.t = '{}' THEN '{}'::text[] ELSE x.t::text[] END, x.b
FROM g, perpetua_floor.batch s,
    unnest(s.k, s.i, s.w, s.n, s.m, s.v, s.t, s.b) WITH ORDINALITY AS x(k, i, w, n, m, v, t, b, o);
