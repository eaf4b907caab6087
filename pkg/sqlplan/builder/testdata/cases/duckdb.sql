-- case: builder_table
SELECT
  level,
  count(*) AS n
FROM main.logs
WHERE level != 'debug'
GROUP BY level
ORDER BY count(*) DESC
LIMIT 5
-- case: group_by_all
SELECT level, count(*) FROM logs GROUP BY ALL
-- case: read_parquet
SELECT * FROM read_parquet('x.parquet')
-- case: exclude
SELECT * EXCLUDE (x) FROM t
-- case: between
SELECT x FROM t WHERE x BETWEEN 1 AND 2
-- case: cast
SELECT x FROM t WHERE x = '1'::int
