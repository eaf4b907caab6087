package clickhouse

// ClickhouseSignature exposes signatureFrom to the external tests.
var ClickhouseSignature = signatureFrom

// ExplainEstimateSQL and PartStatsSQL expose the estimate's statements.
var (
	ExplainEstimateSQL = explainEstimateSQL
	PartStatsSQL       = partStatsSQL
)

// DistributedArgs exposes distributedArgs to the external tests.
var DistributedArgs = distributedArgs
