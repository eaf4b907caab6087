package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/builder"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// BuilderParseRequest is the /builder/parse body.
type BuilderParseRequest struct {
	Dialect string `json:"dialect,omitempty"`
	RawSQL  string `json:"rawSql"`
	// Format is the query's format; "logs" makes a query without a time
	// group a logs query.
	Format string `json:"format,omitempty"`
}

// BuilderParseReply is the /builder/parse answer: the model and the SQL the
// builder writes for it, or why the query does not fit and where.
type BuilderParseReply struct {
	Fits   bool           `json:"fits"`
	Model  *builder.Model `json:"model,omitempty"`
	SQL    string         `json:"sql,omitempty"`
	Reason string         `json:"reason,omitempty"`
	Line   int            `json:"line,omitempty"`
	Column int            `json:"column,omitempty"`
}

// BuilderSQLRequest is the /builder/sql body.
type BuilderSQLRequest struct {
	Dialect string         `json:"dialect,omitempty"`
	Model   *builder.Model `json:"model"`
}

// BuilderSQLReply is the /builder/sql answer.
type BuilderSQLReply struct {
	SQL string `json:"sql"`
}

// builderDialect checks a request's dialect against the engine's.
func builderDialect(method, given string, d sqlplan.Dialect) (dialect.Dialect, error) {
	if method != http.MethodPost && method != "" {
		return dialect.Dialect{}, &httpError{status: http.StatusMethodNotAllowed, err: errors.New("use POST with a JSON body")}
	}
	if given != "" && sqlplan.Dialect(given) != d {
		return dialect.Dialect{}, badRequest("dialect %q does not match this data source's engine (%s); omit it", given, d)
	}
	return dialect.New(dialect.Name(d), "")
}

func decodeBody(body []byte, v any, example string) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return badRequest("the body must be JSON such as %s", example)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("the body is not valid JSON (%v); send e.g. %s", err, example)
	}
	return nil
}

// BuilderParse answers /builder/parse: a query that fits becomes the
// builder model; one that does not (or does not parse) gets fits=false with
// the reason and its line and column.
func BuilderParse(method string, body []byte, d sqlplan.Dialect) (*BuilderParseReply, error) {
	var req BuilderParseRequest
	if err := decodeBody(body, &req, `{"rawSql": "SELECT * FROM t"}`); err != nil {
		return nil, err
	}
	dl, err := builderDialect(method, req.Dialect, d)
	if err != nil {
		return nil, err
	}
	mode := builder.ModeTable
	if req.Format == "logs" {
		mode = builder.ModeLogs
	}
	m, err := builder.Parse(req.RawSQL, dl, mode)
	var nf *builder.NotFit
	var le *lexer.Error
	switch {
	case errors.As(err, &nf):
		return &BuilderParseReply{Reason: nf.Reason, Line: nf.Line, Column: nf.Column}, nil
	case errors.As(err, &le):
		return &BuilderParseReply{Reason: "the SQL does not parse: " + le.Message, Line: le.Line, Column: le.Column}, nil
	case err != nil:
		return &BuilderParseReply{Reason: err.Error()}, nil
	}
	sql, err := builder.Build(m, dl)
	if err != nil {
		return nil, fmt.Errorf("writing the builder's SQL: %w", err)
	}
	return &BuilderParseReply{Fits: true, Model: m, SQL: sql}, nil
}

// BuilderSQL answers /builder/sql: the model written as SQL of the engine's
// dialect. A model that cannot be written is a 400 naming the field.
func BuilderSQL(method string, body []byte, d sqlplan.Dialect) (*BuilderSQLReply, error) {
	var req BuilderSQLRequest
	if err := decodeBody(body, &req, `{"model": {"mode": "table", "table": {"name": "t"}, "columns": [{"name": "*"}]}}`); err != nil {
		return nil, err
	}
	dl, err := builderDialect(method, req.Dialect, d)
	if err != nil {
		return nil, err
	}
	sql, err := builder.Build(req.Model, dl)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return &BuilderSQLReply{SQL: sql}, nil
}
