package clickhouse

// ClickhouseSignature exposes signatureFrom to the external tests.
var ClickhouseSignature = signatureFrom
