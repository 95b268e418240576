-- The server's own cost of the store's append, without the client. Run it on a schema the library
-- created (perpetua_floor; see docs/benchmarks.md): it empties the journal and adds one batch of
-- 1,000 events of 100 bytes to 1,000 streams, kept as the arrays the store binds.
TRUNCATE perpetua_floor.event_journal;
UPDATE perpetua_floor.global_position SET highest = 0 WHERE id = 1;
DROP TABLE IF EXISTS perpetua_floor.batch;
CREATE TABLE perpetua_floor.batch AS
SELECT array_agg(g::bigint ORDER BY g) AS k,
       array_agg('load-abcdefgh-' || g ORDER BY g) AS i,
       array_agg(extract(epoch FROM now())::bigint ORDER BY g) AS w,
       array_agg(123456789 ORDER BY g) AS n,
       array_agg('perpetua.load.Payload'::text ORDER BY g) AS m,
       array_agg(1 ORDER BY g) AS v,
       array_agg('{}'::text ORDER BY g) AS t,
       array_agg(decode(repeat(lpad(g::text, 4, '0'), 25) || 'ab', 'hex') ORDER BY g) AS b
FROM generate_series(1, 1000) AS g;
