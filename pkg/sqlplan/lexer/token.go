package lexer

import "strings"

// Kind is the kind of a token.
type Kind uint8

// Token kinds.
const (
	// Invalid is a byte the dialect does not use; the parser treats it as an
	// opaque operator.
	Invalid Kind = iota
	// Whitespace is a run of spaces, tabs and newlines.
	Whitespace
	// Comment is a -- or # line comment (without the newline) or a /* */ block.
	Comment
	// Ident is a bare word that is not a known keyword.
	Ident
	// Keyword is a bare word that is a known keyword (see Token.Kw). Keywords
	// that are not reserved in a position may still be used as names.
	Keyword
	// QuotedIdent is a "…" or `…` identifier (per dialect).
	QuotedIdent
	// String is a string literal including its prefix and quotes: '…', E'…',
	// $$…$$, $tag$…$tag$, r'…', b"…", '''…''', X'…', B'…', N'…', U&'…'.
	String
	// Number is a numeric literal: 1, 1.5, .5, 1e-3, 0xFF, 1_000.
	Number
	// Operator is an operator: + - * / % = < > <= >= <> != || :: -> ->> ~ etc.
	Operator
	// Punct is one of ( ) [ ] { } , ; . :
	Punct
	// Param is a query parameter: $1, ?, @name, @@system, {name:Type}.
	Param
	// Macro is a Grafana macro name, $__name. Its arguments are separate tokens.
	Macro
	// Variable is a template variable: $var, ${var}, ${var:fmt}, [[var]], [[var:fmt]].
	Variable
)

var kindNames = [...]string{
	Invalid: "Invalid", Whitespace: "Whitespace", Comment: "Comment", Ident: "Ident", Keyword: "Keyword",
	QuotedIdent: "QuotedIdent", String: "String", Number: "Number", Operator: "Operator", Punct: "Punct",
	Param: "Param", Macro: "Macro", Variable: "Variable",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Token is one lexical token: a kind and the byte range [Start, End) of the
// source. Concatenating the text of all tokens reproduces the source.
type Token struct {
	Start, End int
	Kind       Kind
	// Kw is the keyword of a Keyword token, else KwNone.
	Kw KW
}

// Text returns the token's text in src (no copy).
func (t Token) Text(src string) string { return src[t.Start:t.End] }

// Trivia reports whether the token is whitespace or a comment.
func (t Token) Trivia() bool { return t.Kind == Whitespace || t.Kind == Comment }

// IsWord reports whether the token is a bare word (Ident or Keyword).
func (t Token) IsWord() bool { return t.Kind == Ident || t.Kind == Keyword }

// Is reports whether the token is the keyword kw.
func (t Token) Is(kw KW) bool { return t.Kind == Keyword && t.Kw == kw }

// MacroName returns the name of a Macro token without "$" ("__timeFilter").
func (t Token) MacroName(src string) string {
	if t.Kind != Macro {
		return ""
	}
	return src[t.Start+1 : t.End]
}

// VariableParts splits a Variable token into its name and optional format:
// $var -> ("var", ""), ${var:csv} -> ("var", "csv"), ${__from:date:iso} ->
// ("__from", "date:iso"), [[var]] -> ("var", "").
func (t Token) VariableParts(src string) (name, format string) {
	if t.Kind != Variable {
		return "", ""
	}
	s := src[t.Start:t.End]
	switch {
	case strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}"):
		s = s[2 : len(s)-1]
	case strings.HasPrefix(s, "[[") && strings.HasSuffix(s, "]]"):
		s = s[2 : len(s)-2]
	case strings.HasPrefix(s, "$"):
		s = s[1:]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
