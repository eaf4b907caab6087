package bigquery

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const fakeKeySecret = "-----BEGIN PRIVATE KEY-----\nSUPERSECRETMATERIAL\n-----END PRIVATE KEY-----\n"

func TestValidate(t *testing.T) {
	goodKey := `{"type":"service_account","project_id":"my-proj-1","client_email":"a@b.iam.gserviceaccount.com","private_key":"` +
		strings.ReplaceAll(fakeKeySecret, "\n", `\n`) + `"}`
	tests := []struct {
		name    string
		s       Settings
		wantErr []string // substrings; nil = valid
	}{
		{"adc with project", Settings{Project: "quarry"}, nil},
		{"key supplies project", Settings{ServiceAccountKey: goodKey}, nil},
		{"emulator", Settings{Project: "quarry", Endpoint: "http://127.0.0.1:9050", Priority: "batch"}, nil},
		{"missing project", Settings{}, []string{"defaultProject: is required"}},
		{"bad project", Settings{Project: "My_Project"}, []string{`"My_Project" is not a valid project ID`}},
		{"project of 6", Settings{Project: "abcdef"}, nil},
		{"project of 30", Settings{Project: "a" + strings.Repeat("1", 29)}, nil},
		{"domain-scoped project", Settings{Project: "example.com:my-project"}, nil},
		{"project of 5", Settings{Project: "abcde"}, []string{`"abcde" is not a valid project ID (6-30 characters`}},
		{"project of 31", Settings{Project: "a" + strings.Repeat("1", 30)}, []string{"is not a valid project ID"}},
		{"project ending in a hyphen", Settings{Project: "my-project-"}, []string{`"my-project-" is not a valid project ID`}},
		{"project starting with a digit", Settings{Project: "1project"}, []string{`"1project" is not a valid project ID`}},
		{"bad key json", Settings{Project: "quarry", ServiceAccountKey: "{" + fakeKeySecret}, []string{"serviceAccountKey: is not valid JSON"}},
		{"wrong key type", Settings{Project: "quarry", ServiceAccountKey: `{"type":"authorized_user","private_key":"` + "SUPERSECRETMATERIAL" + `"}`},
			[]string{`type "authorized_user"`, "lacks client_email"}},
		{"bad priority", Settings{Project: "quarry", Priority: "urgent"}, []string{`priority: "URGENT" is not INTERACTIVE or BATCH`}},
		{"negative budget", Settings{Project: "quarry", MaxBytesBilled: -1, PricePerTiB: -2}, []string{"maxBytesBilled", "pricePerTiB"}},
		{"bad endpoint", Settings{Project: "quarry", Endpoint: "127.0.0.1:9050"}, []string{"endpoint"}},
		{"bad location", Settings{Project: "quarry", Location: "eu west"}, []string{"processingLocation"}},
		{"bad dataset", Settings{Project: "quarry", Dataset: "a.b"}, []string{"defaultDataset"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "SUPERSECRETMATERIAL") {
				t.Errorf("error leaks the key: %q", err)
			}
		})
	}
}

func TestSettingsStringHidesKey(t *testing.T) {
	s := Settings{Project: "quarry", ServiceAccountKey: fakeKeySecret}
	if got := s.String(); strings.Contains(got, "SUPERSECRET") || !strings.Contains(got, "hidden") {
		t.Fatalf("String() = %q", got)
	}
	if got := (Settings{Project: "quarry", ServiceAccountKey: "x"}).withDefaults(); got.PricePerTiB != DefaultPricePerTiB || got.Priority != PriorityInteractive {
		t.Fatalf("defaults not applied: %+v", got)
	}
}

func TestSettingsJSON(t *testing.T) {
	var s Settings
	if err := json.Unmarshal([]byte(`{"defaultProject":"quarry","queryTimeout":"90s","priority":"BATCH","maxBytesBilled":1000,"serviceAccountKey":"x"}`), &s); err != nil {
		t.Fatal(err)
	}
	if time.Duration(s.QueryTimeout) != 90*time.Second || s.Priority != PriorityBatch || s.MaxBytesBilled != 1000 || s.ServiceAccountKey != "" {
		t.Errorf("decoded %+v (the key must only come from secure settings)", s)
	}
	if err := json.Unmarshal([]byte(`{"queryTimeout":45}`), &s); err != nil || time.Duration(s.QueryTimeout) != 45*time.Second {
		t.Errorf("numeric seconds: %v %v", s.QueryTimeout, err)
	}
	if err := json.Unmarshal([]byte(`{"queryTimeout":"soon"}`), &s); err == nil {
		t.Error("bad duration accepted")
	}
	if d := (Settings{Project: "quarry"}).withDefaults().QueryTimeout; time.Duration(d) != DefaultQueryTimeout {
		t.Errorf("default timeout %s", d)
	}
}
