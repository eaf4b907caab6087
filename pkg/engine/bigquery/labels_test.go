package bigquery

import (
	"reflect"
	"strings"
	"testing"
)

func TestSanitizeLabels(t *testing.T) {
	long := strings.Repeat("x", 80)
	tests := []struct {
		name string
		in   map[string]string
		want map[string]string
	}{
		{"nil", nil, nil},
		{"grafana request", map[string]string{
			"dashboard_uid": "Ab-Cd_9Z", "panel_id": "12", "user_login": "Jane.Doe@Example.com",
		}, map[string]string{
			"dashboard_uid": "ab-cd_9z", "panel_id": "12", "user_login": "jane_doe_example_com",
		}},
		{"key must start with a letter", map[string]string{"1panel": "x", "_x": "y", "-z": "w"},
			map[string]string{"k_1panel": "x", "k__x": "y", "k_-z": "w"}},
		{"uppercase and spaces", map[string]string{"Dashboard UID": " My Dash "},
			map[string]string{"dashboard_uid": "my_dash"}},
		{"truncated to 63", map[string]string{long: long},
			map[string]string{strings.Repeat("x", 63): strings.Repeat("x", 63)}},
		{"prefixed key stays within 63", map[string]string{"9" + long: "v"},
			map[string]string{"k_9" + strings.Repeat("x", 60): "v"}},
		{"empty key dropped, empty value kept", map[string]string{"": "x", "a": ""},
			map[string]string{"a": ""}},
		{"collision: first key in order wins", map[string]string{"A.b": "1", "a_b": "2"},
			map[string]string{"a_b": "1"}},
		{"international letters kept lowercased", map[string]string{"nutzer": "Jürgen"},
			map[string]string{"nutzer": "jürgen"}},
		{"emoji and quotes replaced", map[string]string{"user": "o'neil 🙂"},
			map[string]string{"user": "o_neil__"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SanitizeLabels(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("SanitizeLabels(%q) = %q, want %q", tc.in, got, tc.want)
			}
			for k, v := range got {
				if len([]rune(k)) > 63 || len([]rune(v)) > 63 {
					t.Errorf("label %q=%q longer than 63", k, v)
				}
			}
		})
	}
}

func TestSanitizeLabelsAtMost64(t *testing.T) {
	in := map[string]string{}
	for i := 0; i < 100; i++ {
		in["key"+strings.Repeat("a", i%10)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	if got := SanitizeLabels(in); len(got) != 64 {
		t.Fatalf("got %d labels, want 64", len(got))
	}
}
