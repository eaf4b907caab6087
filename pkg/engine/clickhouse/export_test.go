package clickhouse

// ClickhouseSignature exposes signatureFrom to the external tests.
var ClickhouseSignature = signatureFrom

// DistributedArgs exposes distributedArgs to the external tests.
var DistributedArgs = distributedArgs
