package dialect

// bigQueryKeywords are GoogleSQL's reserved keywords, from BigQuery's
// "Lexical structure and syntax" page, section "Reserved keywords"
// (https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#reserved_keywords).
// They cannot be unquoted identifiers; every other word (FILTER, FIRST,
// VALUE, DATE, ...) is a non-reserved keyword or an ordinary name. The
// emulator (ZetaSQL) is the check: pkg/sqlplan/oracletest runs each as a
// name there.
var bigQueryKeywords = []Keyword{
	{"all", Reserved, false}, {"and", Reserved, false}, {"any", Reserved, false}, {"array", Reserved, false},
	{"as", Reserved, false}, {"asc", Reserved, false}, {"assert_rows_modified", Reserved, false},
	{"at", Reserved, false}, {"between", Reserved, false}, {"by", Reserved, false}, {"case", Reserved, false},
	{"cast", Reserved, false}, {"collate", Reserved, false}, {"contains", Reserved, false},
	{"create", Reserved, false}, {"cross", Reserved, false}, {"cube", Reserved, false},
	{"current", Reserved, false}, {"default", Reserved, false}, {"define", Reserved, false},
	{"desc", Reserved, false}, {"distinct", Reserved, false}, {"else", Reserved, false}, {"end", Reserved, false},
	{"enum", Reserved, false}, {"escape", Reserved, false}, {"except", Reserved, false},
	{"exclude", Reserved, false}, {"exists", Reserved, false}, {"extract", Reserved, false},
	{"false", Reserved, false}, {"fetch", Reserved, false}, {"following", Reserved, false},
	{"for", Reserved, false}, {"from", Reserved, false}, {"full", Reserved, false}, {"group", Reserved, false},
	{"grouping", Reserved, false}, {"groups", Reserved, false}, {"hash", Reserved, false},
	{"having", Reserved, false}, {"if", Reserved, false}, {"ignore", Reserved, false}, {"in", Reserved, false},
	{"inner", Reserved, false}, {"intersect", Reserved, false}, {"interval", Reserved, false},
	{"into", Reserved, false}, {"is", Reserved, false}, {"join", Reserved, false}, {"lateral", Reserved, false},
	{"left", Reserved, false}, {"like", Reserved, false}, {"limit", Reserved, false}, {"lookup", Reserved, false},
	{"merge", Reserved, false}, {"natural", Reserved, false}, {"new", Reserved, false}, {"no", Reserved, false},
	{"not", Reserved, false}, {"null", Reserved, false}, {"nulls", Reserved, false}, {"of", Reserved, false},
	{"on", Reserved, false}, {"or", Reserved, false}, {"order", Reserved, false}, {"outer", Reserved, false},
	{"over", Reserved, false}, {"partition", Reserved, false}, {"preceding", Reserved, false},
	{"proto", Reserved, false}, {"qualify", Reserved, false}, {"range", Reserved, false},
	{"recursive", Reserved, false}, {"respect", Reserved, false}, {"right", Reserved, false},
	{"rollup", Reserved, false}, {"rows", Reserved, false}, {"select", Reserved, false}, {"set", Reserved, false},
	{"some", Reserved, false}, {"struct", Reserved, false}, {"tablesample", Reserved, false},
	{"then", Reserved, false}, {"to", Reserved, false}, {"treat", Reserved, false}, {"true", Reserved, false},
	{"unbounded", Reserved, false}, {"union", Reserved, false}, {"unnest", Reserved, false},
	{"using", Reserved, false}, {"when", Reserved, false}, {"where", Reserved, false}, {"window", Reserved, false},
	{"with", Reserved, false}, {"within", Reserved, false},
}
