-- case: builder_time_series
SELECT
  $__timeGroupAlias(ts, $__interval),
  avg(latency_ms)
FROM `my-project`.sample.http_requests
WHERE $__timeFilter(ts)
GROUP BY 1
ORDER BY 1
-- case: one_quoted_path
SELECT host, count(DISTINCT path) AS paths FROM `my-project.sample.http_requests` WHERE host = "web\'1" GROUP BY host
-- case: wildcard
SELECT x FROM `p.d.events_*`
-- case: raw_string
SELECT x FROM t WHERE y = r'a\d'
-- case: qualify
SELECT x FROM t QUALIFY row_number() OVER (ORDER BY x) = 1
-- case: unnest
SELECT x FROM t, UNNEST(arr) AS x
-- case: struct_field
SELECT t.payload.kind FROM t
