== aliased_group
SELECT
  $__timeGroup(`Event Time`, '5m', NULL) AS t,
  avg(latency),
  count(DISTINCT user) AS users
FROM events
GROUP BY 1
== every_operator
SELECT
  level,
  message
FROM `sample`.logs
WHERE status = 200
  AND host != 'it\'s \\ "odd"'
  AND bytes < (-1.5)
  AND bytes > $min
  AND bytes <= 1e6
  AND bytes >= 0
  AND level NOT IN ('debug', 'trace')
  AND message LIKE '%timeout%'
  AND message NOT LIKE '%ok\n\t%'
  AND trace_id IS NULL
  AND span_id IS NOT NULL
ORDER BY level DESC
LIMIT 0
== logs
SELECT
  ts,
  level,
  message
FROM `sample`.logs
WHERE $__timeFilter(ts)
  AND level = $level
ORDER BY ts DESC
LIMIT 1000
== star_limit
SELECT
  *
FROM `sample`.http_requests
LIMIT 100
== time_series_count
SELECT
  $__timeGroupAlias(ts, $__interval, 0),
  host,
  count(*) AS requests
FROM `sample`.http_requests
WHERE $__timeFilter(ts)
  AND host IN (${host:singlequote})
GROUP BY 1, host
ORDER BY 1
== top_n
SELECT
  region,
  sum(amount) AS total,
  max(amount),
  min(amount)
FROM `Sales`.`Order`
GROUP BY region
ORDER BY sum(amount) DESC, count(*)
LIMIT 10
== variable_interval
SELECT
  $__timeGroupAlias(ts, $bucket, previous),
  max(`value`)
FROM metrics
GROUP BY 1
ORDER BY 1 DESC
