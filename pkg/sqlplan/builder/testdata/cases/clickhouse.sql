-- case: builder_time_series
SELECT
  $__timeGroupAlias(ts, $__interval, 0),
  count(*)
FROM sample.http_requests
WHERE $__timeFilter(ts)
  AND Host = 'it\'s'
GROUP BY 1
ORDER BY 1
-- case: final
SELECT host FROM sample.http_requests FINAL
-- case: prewhere
SELECT host FROM t PREWHERE x = 1
-- case: settings
SELECT host FROM t SETTINGS max_threads = 1
-- case: limit_by
SELECT host FROM t LIMIT 1 BY host
-- case: array_join
SELECT x FROM t ARRAY JOIN arr AS x
-- case: uniq
SELECT uniq(host) FROM t
-- case: with_fill
SELECT $__timeGroupAlias(ts, '1m'), count() FROM t GROUP BY 1 ORDER BY 1 WITH FILL
