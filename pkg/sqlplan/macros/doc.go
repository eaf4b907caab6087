// Package macros expands Grafana macros in the backend, exactly and
// type-correctly per dialect, so that panels, alert rules, annotations and
// dry runs all see the same SQL.
//
// The API:
//
//   - NewEnv(Config) builds the fixed context of a request: dialect and
//     server version, time range, $__interval, time zone, a fill override
//     and a TypeResolver that tells the time kind of a column argument.
//   - Expand(env, Call) expands one macro call whose arguments are already
//     expanded. It returns an Expansion{SQL, Fill, Detail, AdHoc}; errors
//     are *Error values carrying the byte offset, the macro and the argument.
//   - ExpandAll(src, tokens, env) walks the lexer's tokens, finds every
//     $__macro and Grafana global variable outside strings and comments,
//     expands nested macros inner-first and returns a Result: sorted,
//     non-overlapping Edits on src, Steps, Warnings (unreplaced_variable,
//     macro_in_comment, conflicting_fill) and the Fill to record.
//
// The package does not import package sqlplan (sqlplan imports it), so Fill,
// Step, Warning and Edit mirror sqlplan's types field for field; the plan
// assembly converts them. $__adHocFilters expands to an Edit with AdHoc set
// and empty Text: the plan assembly writes the filter predicate there.
//
// Per-dialect choices, the time kinds and the bucketing and time zone rules
// are documented in REFERENCE.md next to this file.
package macros
