package plugin

import (
	"net/url"
	"strings"
)

// redacted replaces a secret in errors, logs and health messages.
const redacted = "[redacted]"

// substringSecretLen is the length from which a secret is removed wherever
// it occurs, even inside a longer word. A shorter secret ("pw") would
// collide with ordinary text ("pwd", "upwards"): it is removed where it
// stands as a whole token, which is how a driver quotes it ('pw', :pw@,
// password=pw).
const substringSecretLen = 6

// passwordKeys are connection-string keys whose value is always removed
// (key=value), whatever the secrets are: a driver may quote a DSN whose
// password is not exactly the stored secret.
var passwordKeys = []string{"password", "passwd", "pwd", "secret", "token", "access_token", "private_key"}

// redactText removes every secret from s: the secrets themselves and
// their URL-escaped forms, the values of password keys, and the password
// of any URL's user information (scheme://user:password@host).
func redactText(s string, secrets []string) string {
	if s == "" {
		return s
	}
	for _, sec := range secrets {
		for _, form := range secretForms(sec) {
			s = redactSecret(s, form)
		}
	}
	s = redactURLPasswords(s)
	return redactPasswordFields(s)
}

// secretForms is the secret and its URL-escaped forms, without empties
// and duplicates.
func secretForms(sec string) []string {
	if sec == "" {
		return nil
	}
	forms := []string{sec}
	for _, f := range []string{url.QueryEscape(sec), url.PathEscape(sec), url.UserPassword("u", sec).String()[2:]} {
		dup := false
		for _, have := range forms {
			dup = dup || have == f
		}
		if !dup && f != "" {
			forms = append(forms, f)
		}
	}
	return forms
}

// redactSecret replaces the occurrences of one secret form: all of them
// for a long form, whole tokens only for a short one.
func redactSecret(s, sec string) string {
	if len(sec) >= substringSecretLen {
		return strings.ReplaceAll(s, sec, redacted)
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, sec)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(rest)
			return b.String()
		}
		end := i + len(sec)
		whole := (i == 0 || !isTokenByte(rest[i-1])) && (end == len(rest) || !isTokenByte(rest[end]))
		b.WriteString(rest[:i])
		if whole {
			b.WriteString(redacted)
		} else {
			b.WriteString(sec)
		}
		rest = rest[end:]
	}
}

// isTokenByte reports whether c continues a word: a letter, a digit, '_'
// or a byte of a multi-byte character.
func isTokenByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// redactURLPasswords replaces the password of scheme://user:password@host.
func redactURLPasswords(s string) string {
	from := 0
	for {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			return s
		}
		start := from + i + 3
		// The authority ends at the first '/', '?', '#' or blank.
		end := start
		for end < len(s) && !strings.ContainsRune("/?# \t\n\"'", rune(s[end])) {
			end++
		}
		auth := s[start:end]
		at := strings.LastIndexByte(auth, '@')
		colon := strings.IndexByte(auth, ':')
		if at > 0 && colon >= 0 && colon < at && auth[colon+1:at] != redacted {
			s = s[:start+colon+1] + redacted + s[start+at:]
			end = start + colon + 1 + len(redacted) + (len(auth) - at)
		}
		from = end
	}
}

// redactPasswordFields replaces the value of key=value pairs whose key is
// a password key (any case), up to a separator or the closing quote.
func redactPasswordFields(s string) string {
	lower := strings.ToLower(s)
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		key := ""
		for _, k := range passwordKeys {
			if strings.HasSuffix(lower[:i], k) && (i == len(k) || !isTokenByte(s[i-len(k)-1])) {
				key = k
				break
			}
		}
		if key == "" {
			continue
		}
		start := i + 1
		quote := byte(0)
		if start < len(s) && (s[start] == '\'' || s[start] == '"') {
			quote = s[start]
			start++
		}
		end := start
		for end < len(s) {
			c := s[end]
			if quote != 0 && c == quote || quote == 0 && strings.IndexByte(" \t\n&;,)", c) >= 0 {
				break
			}
			end++
		}
		if end == start || s[start:end] == redacted {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(redacted)
		last = end
		i = end - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
