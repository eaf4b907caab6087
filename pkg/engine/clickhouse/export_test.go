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

// Reads counts the queries read by the block reader and by the row scan.
func Reads(e *Engine) (blocks, rowScan int64) { return e.reads.blocks.Load(), e.reads.rowScan.Load() }

// Dials is how many connections the block reader opened.
func Dials(e *Engine) int64 { return e.blocks.Dials() }
