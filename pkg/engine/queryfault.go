package engine

import "errors"

// QueryFaultError is an error the warehouse reported about the query itself
// (syntax, an unknown table, column or function, a type mismatch, a value
// out of range): the author must change the SQL, retrying will not help.
// Resources answer it with HTTP 400 rather than 502. It unwraps to Err.
type QueryFaultError struct{ Err error }

func (e *QueryFaultError) Error() string { return e.Err.Error() }
func (e *QueryFaultError) Unwrap() error { return e.Err }

// QueryFault marks err as the query's own fault (nil stays nil).
func QueryFault(err error) error {
	if err == nil || IsQueryFault(err) {
		return err
	}
	return &QueryFaultError{Err: err}
}

// IsQueryFault reports whether err was marked with QueryFault.
func IsQueryFault(err error) bool {
	var qf *QueryFaultError
	return errors.As(err, &qf)
}

// PostgresQueryFault reports whether a SQLSTATE names a fault of the query:
// class 42 (syntax error or access rule violation, e.g. 42601, 42P01,
// 42703, 42883), 22 (data exception, e.g. 22012 division by zero), 21
// (cardinality violation) and 0A (feature not supported). 42501
// (insufficient privilege) is a permission, not a mistake in the SQL.
func PostgresQueryFault(sqlstate string) bool {
	if len(sqlstate) != 5 || sqlstate == "42501" {
		return false
	}
	switch sqlstate[:2] {
	case "42", "22", "21", "0A":
		return true
	}
	return false
}

// clickHouseQueryFaults are ClickHouse exception codes about the query
// (src/Common/ErrorCodes.cpp): unknown names, syntax, types, arguments.
var clickHouseQueryFaults = map[int32]bool{
	16:  true, // NO_SUCH_COLUMN_IN_TABLE
	36:  true, // BAD_ARGUMENTS
	42:  true, // NUMBER_OF_ARGUMENTS_DOESNT_MATCH
	43:  true, // ILLEGAL_TYPE_OF_ARGUMENT
	44:  true, // ILLEGAL_COLUMN
	46:  true, // UNKNOWN_FUNCTION
	47:  true, // UNKNOWN_IDENTIFIER
	53:  true, // TYPE_MISMATCH
	60:  true, // UNKNOWN_TABLE
	62:  true, // SYNTAX_ERROR
	69:  true, // ARGUMENT_OUT_OF_BOUND
	70:  true, // CANNOT_CONVERT_TYPE
	81:  true, // UNKNOWN_DATABASE
	153: true, // ILLEGAL_DIVISION
	179: true, // MULTIPLE_EXPRESSIONS_FOR_ALIAS
	184: true, // ILLEGAL_AGGREGATION
	215: true, // NOT_AN_AGGREGATE
	352: true, // AMBIGUOUS_COLUMN_NAME
	386: true, // NO_COMMON_TYPE
}

// ClickHouseQueryFault reports whether a ClickHouse exception code names a
// fault of the query.
func ClickHouseQueryFault(code int32) bool { return clickHouseQueryFaults[code] }
