-- case: builder_time_series
SELECT
  $__timeGroupAlias(ts, $__interval, 0),
  host,
  count(*) AS requests
FROM sample.http_requests
WHERE $__timeFilter(ts)
  AND host IN ($host)
GROUP BY 1, host
ORDER BY 1
-- case: hand_written_table
select Host, avg(latency_ms) as "Mean latency" from sample.http_requests where status <> 200 and path like '/api/%' group by host order by avg(latency_ms) desc limit 20
-- case: logs logs
SELECT ts, level, message FROM sample.logs WHERE $__timeFilter(ts) AND level = 'error' ORDER BY ts DESC LIMIT 1000
-- case: e_string
SELECT * FROM sample.logs WHERE message = E'a\\b' AND host = 'it''s' AND bytes > -5
-- case: timegroup_as
SELECT $__timeGroup(ts, '1h', previous) AS "time", sum(bytes) FROM sample.http_requests GROUP BY 1 ORDER BY 1 DESC
-- case: join
SELECT a.x FROM a JOIN b ON a.id = b.id
-- case: cte
WITH t AS (SELECT 1) SELECT * FROM t
-- case: group_by_expression
SELECT date_trunc('hour', ts), count(*) FROM sample.http_requests
GROUP BY date_trunc('hour', ts)
-- case: expression_in_select
SELECT
  upper(host)
FROM sample.http_requests
-- case: or_filter
SELECT host FROM sample.http_requests WHERE status = 500 OR status = 503
-- case: comment
SELECT host -- the host
FROM sample.http_requests
-- case: union
SELECT host FROM a UNION ALL SELECT host FROM b
-- case: subquery_in
SELECT host FROM t WHERE host IN (SELECT host FROM u)
-- case: offset
SELECT host FROM t LIMIT 10 OFFSET 5
-- case: distinct
SELECT DISTINCT host FROM t
-- case: having
SELECT host, count(*) FROM t GROUP BY host HAVING count(*) > 1
-- case: alias_table
SELECT r.host FROM sample.http_requests r
-- case: timegroup_not_first
SELECT host, $__timeGroupAlias(ts, $__interval) FROM t
-- case: missing_group_by
SELECT $__timeGroupAlias(ts, $__interval), count(*) FROM t
-- case: insert
INSERT INTO t VALUES (1)
-- case: two_statements
SELECT 1 FROM t; SELECT 2 FROM t
-- case: window
SELECT sum(x) OVER (PARTITION BY y) FROM t
-- case: three_part_name
SELECT x FROM db.s.t
-- case: syntax_error
SELECT (x FROM t
