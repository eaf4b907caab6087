package oracletest

// HostileValues are ad hoc filter values that try to break out of a string
// literal: quotes of every dialect, backslashes, comment starters,
// statement separators, template and macro syntax, unicode and NUL. The
// injection tests plan them and check that the statement's structure does
// not change (by re-parsing, and by running the SQL on the real engines).
var HostileValues = []string{
	`'`, `''`, `\'`, `\\'`, `\`, `\\`, `"`, "`", `'; DROP TABLE sample.logs; --`,
	`x' OR '1'='1`, `x\' OR 1=1 --`, `x\\' OR 1=1 #`, `-- comment`, `/* open comment`, `*/`, `# hash`,
	`;`, `a;b`, `$$`, `$tag$`, `$1`, `$__timeFilter(ts)`, `${__from}`, `[[var]]`, `{name:String}`, `@param`,
	"line1\nline2", "tab\there", "cr\rlf", "nul\x00byte", "\x01\x1f\x7f", "naïve ☃ 日本語 🙂", "\u202eRTL",
	"'''", `"""`, `r'x'`, `E'x'`, `''''`, "\\x27", "%_", "(", ")", "[", "]", "{", "}",
}
