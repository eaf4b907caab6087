SELECT now() - '1 day'::interval, x::timestamp(3) without time zone, 'a'::varchar(10)::text FROM t
SELECT * FROM t WHERE ts BETWEEN $__timeFrom() AND $__timeTo() AND v > ALL(ARRAY[1,2])
SELECT date_trunc('minute', ts) AS "time", host AS metric, avg(latency_ms) AS value FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1,2 ORDER BY 1
SELECT * FROM sample.logs WHERE labels ? 'env' AND labels ?| array['a'] AND labels->'a' @> '1'
SELECT x FROM generate_series('2024-01-01'::timestamptz, '2024-01-02', interval '1 hour') AS g(x)
SELECT coalesce(sum(requests) FILTER (WHERE status >= 500), 0)::float / nullif(sum(requests), 0) FROM sample.http_requests
SELECT * FROM sample.http_requests LIMIT ALL
SELECT t.* FROM (SELECT 1 AS a) t WHERE (t.a, t.a) IN ((1, 1), (2, 2))
SELECT CAST($__interval_ms AS bigint), to_timestamp($__unixEpochFrom()), '${__from:date:iso}'::timestamptz
SELECT * FROM sample.events WHERE name ~ '^a' AND country !~* 'x' AND name SIMILAR TO 'a%' ESCAPE '!'
SELECT jsonb_path_query(labels, '$.a[*] ? (@ > 1)') FROM sample.logs
SELECT a FROM t ORDER BY a USING <
SELECT array_agg(x ORDER BY y DESC) FILTER (WHERE z) OVER () FROM t
SELECT count(*) FROM ONLY sample.logs
SELECT (xpath('/a', x))[1] FROM t
SELECT 1 WHERE NOT (a = 1 OR b IS NOT TRUE)
SELECT extract(epoch from ts)::bigint * 1000 AS time FROM t GROUP BY 1 HAVING count(*) > 0 ORDER BY 1 DESC NULLS FIRST
SELECT $__timeGroup(ts, 5m, NULL), $__timeGroup(ts, '1h', previous), $__timeGroup(ts, $__interval, 0) FROM t GROUP BY 1
WITH RECURSIVE r AS (SELECT 1 n UNION ALL SELECT n+1 FROM r WHERE n < 5) SEARCH DEPTH FIRST BY n SET ordercol SELECT * FROM r
SELECT * FROM t1 JOIN (t2 JOIN t3 ON t2.a = t3.a) ON t1.a = t2.a
SELECT * FROM t1 JOIN LATERAL jsonb_each(t1.j) AS e(k, v) ON true
SELECT * FROM t TABLESAMPLE BERNOULLI (10) REPEATABLE (42)
SELECT x FROM unnest(ARRAY[1,2]) WITH ORDINALITY AS u(x, i)
SELECT 'a' 'b', U&'\0041', B'1010', X'1F'
SELECT * FROM "sample"."http_requests" AS "R" WHERE "R"."host" = 'a'
SELECT x FROM t WHERE ts > NOW() - INTERVAL '$__interval'
SELECT * FROM t WHERE host = ANY(string_to_array('$host', ','))
SELECT avg(v) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '5 minutes' PRECEDING AND CURRENT ROW) FROM t
SELECT percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v) FROM t
SELECT $1::int, $2
