package bigquery

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Label limits from BigQuery's label rules.
const (
	maxLabelLen = 63
	maxLabels   = 64
)

// SanitizeLabels turns arbitrary key/value pairs (dashboard uid, panel id,
// user login) into labels BigQuery accepts:
//   - keys and values are lowercased; characters outside [a-z0-9_-] become '_'
//     (international letters are kept lowercased, as BigQuery allows them);
//   - keys and values are cut to 63 characters;
//   - a key must start with a letter: other keys get a "k_" prefix;
//   - empty keys are dropped, at most 64 labels are kept (sorted by key);
//   - when two keys collide after sanitizing, the first in key order wins.
func SanitizeLabels(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(in))
	for _, k := range keys {
		sk := sanitizeLabelKey(k)
		if sk == "" {
			continue
		}
		if _, dup := out[sk]; dup {
			continue
		}
		if len(out) == maxLabels {
			break
		}
		out[sk] = sanitizeLabelPart(in[k])
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func sanitizeLabelKey(k string) string {
	s := sanitizeLabelPart(k)
	if s == "" {
		return ""
	}
	if r, _ := utf8.DecodeRuneInString(s); !unicode.IsLetter(r) {
		s = truncateRunes("k_"+s, maxLabelLen)
	}
	return s
}

// sanitizeLabelPart lowercases s, replaces disallowed characters with '_'
// and truncates to 63 characters.
func sanitizeLabelPart(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if n == maxLabelLen {
			break
		}
		r = unicode.ToLower(r)
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
		case r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		default:
			r = '_'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
