SELECT toStartOfInterval(ts, INTERVAL $__interval_s second) AS t, countIf(status >= 500) FROM sample.http_requests WHERE ts >= toDateTime($__fromTime) GROUP BY t ORDER BY t WITH FILL STEP $__interval_s
SELECT $__timeInterval(ts) AS time, quantileExact(0.99)(latency_ms) FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY time ORDER BY time
SELECT intDiv(toUInt32(ts), 60) * 60 AS t, count() FROM sample.logs GROUP BY t ORDER BY t
SELECT labels['env'], mapKeys(labels), arrayJoin(tags) AS tag FROM sample.deploys
SELECT * FROM sample.logs WHERE match(message, '^err') AND message ILIKE '%x%' AND has(tags, 'a')
SELECT if(a > 1, 'x', 'y'), multiIf(a = 1, 'a', 'b'), toDateTime64(ts, 3, 'UTC') FROM t
SELECT count() FROM remote('host', sample.logs) AS r
SELECT * FROM sample.logs WHERE ts BETWEEN $__fromTime AND $__toTime AND $__dateTimeFilter(event_date, event_time)
SELECT groupArray(10)(x), uniqExact(host), topK(5)(host) FROM t
SELECT * FROM t WHERE (a, b) IN (SELECT a, b FROM u)
SELECT number % 3 AS k, sum(number) FROM numbers(100) GROUP BY k WITH ROLLUP
SELECT * FROM t LIMIT 10 WITH TIES
SELECT * FROM t ORDER BY ts DESC LIMIT 1 BY host SETTINGS max_threads = 1
SELECT toTypeName(x), x.1, tupleElement(x, 'a') FROM (SELECT (1, 'a') AS x)
SELECT * FROM t SAMPLE 1/10
SELECT * FROM t INNER ANY JOIN u USING (id)
SELECT * FROM t PASTE JOIN u
SELECT `t`.`a` FROM `db`.`t` AS `t` PREWHERE a != 0
SELECT x FROM t WHERE x GLOBAL IN (1, 2)
SELECT arrayReduce('sum', [1,2]), [1,2][1], (1, 2).1, NULL, -1, +2
SELECT * FROM system.numbers LIMIT 3 FORMAT TabSeparatedWithNames
