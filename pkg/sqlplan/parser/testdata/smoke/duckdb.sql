SELECT time_bucket(INTERVAL '5 minutes', ts) AS t, count(*) FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY ALL ORDER BY ALL
SELECT * FROM read_csv_auto('x.csv', header = true) LIMIT 5
SELECT list_filter([1, 2, 3], x -> x > 1), list_reduce([1,2], (a, b) -> a + b), [x FOR x IN range(3) IF x > 0]
SELECT struct_pack(a := 1, b := 2), {'a': 1}.a, MAP([1], ['a']), array_length([1]), 'abc'[2:3]
SELECT epoch_ms(event_ms) AS t, date_part('hour', ts), strptime('2024', '%Y')::DATE FROM sample.events
SELECT * FROM sample.logs WHERE regexp_matches(message, 'err') AND json_extract_string(labels, '$.env') = 'prod'
SELECT COLUMNS('lat.*') FROM sample.http_requests
SELECT * FROM t SEMI JOIN u USING (id)
SELECT * FROM t ANTI JOIN u ON t.id = u.id
SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a WHERE t2.a IS NULL
SELECT x, row_number() OVER (ORDER BY x) FROM t QUALIFY row_number() OVER (ORDER BY x) < 3
SELECT * FROM (PIVOT t ON k USING sum(v))
SELECT ts::TIMESTAMP WITH TIME ZONE, '1 day'::INTERVAL, INTERVAL 5 DAYS, to_timestamp(1)
SELECT 1 AS x, x + 1 AS y
SELECT * EXCLUDE (a, b) FROM t
SELECT * FROM 'data/*.parquet'
SELECT * FROM t WHERE x = $param AND y = $1
SELECT hist FROM (SELECT histogram(x) AS hist FROM t)
SELECT arg_max(host, latency_ms), first(host ORDER BY ts) FROM sample.http_requests
