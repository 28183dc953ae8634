package scenario

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTargetCredentials(t *testing.T) {
	t.Parallel()
	const basic = "Basic c2hvcDpzM2NyM3QtcHc=" // shop:s3cr3t-pw
	plan := "traffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\n"
	tests := []struct {
		name        string
		src         string
		wantHeaders []Header
		wantWarning string
	}{
		{
			name:        "sent as Basic",
			src:         "target: https://shop:s3cr3t-pw@shop.example.com/\n" + plan + "journeys: [ { name: j, steps: [ GET / ] } ]\n",
			wantHeaders: []Header{{Name: "Authorization", Value: basic, Secret: true}},
		},
		{
			name:        "defaults win",
			src:         "target: https://shop:s3cr3t-pw@shop.example.com\ndefaults: { headers: { authorization: Bearer own-token } }\n" + plan + "journeys: [ { name: j, steps: [ GET / ] } ]\n",
			wantHeaders: []Header{{Name: "authorization", Value: "Bearer own-token", Secret: true}},
			wantWarning: "launch.yaml:2: target: the target URL's user:password is not sent: defaults.headers sets Authorization, which wins",
		},
		{
			name:        "a step's own header wins there",
			src:         "target: https://shop:s3cr3t-pw@shop.example.com\n" + plan + "journeys:\n  - name: j\n    steps:\n      - GET /\n      - { name: api, request: GET /api, headers: { Authorization: Bearer own-token } }\n",
			wantHeaders: []Header{{Name: "Authorization", Value: basic, Secret: true}},
			wantWarning: "launch.yaml:2: target: the target URL's user:password is not sent by steps that set their own Authorization header: j/api",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc, err := parseString(t, "name: t\n"+tc.src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Target.URL != "https://shop.example.com" {
				t.Errorf("target URL %q, want it without credentials", sc.Target.URL)
			}
			if diff := cmp.Diff(tc.wantHeaders, sc.Defaults.Headers); diff != "" {
				t.Errorf("default headers (-want +got):\n%s", diff)
			}
			var warnings []string
			if tc.wantWarning != "" {
				warnings = []string{tc.wantWarning}
			}
			var got []string
			for _, w := range sc.Warnings {
				got = append(got, w.Error())
			}
			if diff := cmp.Diff(warnings, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			echo := "401: got s3cr3t-pw, shop:s3cr3t-pw, " + basic[len("Basic "):] + " and own-token"
			want := "401: got [redacted], [redacted], [redacted] and own-token"
			if tc.wantWarning != "" {
				want = "401: got [redacted], [redacted], [redacted] and [redacted]"
			}
			if got := sc.Redact(echo); got != want {
				t.Errorf("Redact:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestCredentialsStayOutOfMessages(t *testing.T) {
	t.Parallel()
	for _, target := range []string{"ftp://shop:s3cr3t-pw@shop.example.com", "shop:s3cr3t-pw@shop.example.com/x"} {
		_, err := parseString(t, "name: t\ntarget: "+target+"\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys: [ { name: j, steps: [ GET / ] } ]\n", nil)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("target %s: want a problem without the password, got %v", target, err)
		}
	}
	sc, err := parseString(t, "name: t\ntarget: http://127.0.0.1:9\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys: [ { name: j, steps: [ \"GET https://api:k3y-pass@api.example.com/x\" ] } ]\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Record().Journeys[0].Steps[0].Request; strings.Contains(got, "k3y-pass") {
		t.Errorf("the record shows a step URL's password: %q", got)
	}
}
