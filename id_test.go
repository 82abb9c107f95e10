package kurz_test

import (
	"strings"
	"testing"

	"kurz"
)

func TestIDRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 1000; i++ {
		id := kurz.NewID("eu")
		r, err := kurz.ParseID(id)
		if err != nil || r != "eu" {
			t.Fatalf("ParseID(%q) = %q, %v", id, r, err)
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		if id[:13] < prev[:min(13, len(prev))] {
			t.Fatalf("ids not time-ordered: %s after %s", id, prev)
		}
		prev = id
	}
}

func TestParseIDRejects(t *testing.T) {
	good := kurz.NewID("sg")
	for _, bad := range []string{"", "eu", "eu_", "EU_" + good[3:], "e_" + good[3:], good + "x", good[:len(good)-1],
		"eu_" + strings.Repeat("u", 26), "eu_" + strings.Repeat("z", 26), "../etc_" + good[3:], "eu-" + good[3:]} {
		if _, err := kurz.ParseID(bad); err == nil || kurz.ErrorCode(err) != kurz.EInvalid {
			t.Errorf("ParseID(%q) = %v, want an invalid error", bad, err)
		}
	}
}

func FuzzParseID(f *testing.F) {
	f.Add(kurz.NewID("eu"))
	f.Add("us_0000000000000000000000000")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := kurz.ParseID(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(s, string(r)+"_") || r.Validate() != nil || strings.ContainsAny(s, "/.\\ ") {
			t.Fatalf("ParseID(%q) accepted region %q", s, r)
		}
	})
}

func ExampleParseID() {
	id := kurz.NewID("eu")
	region, _ := kurz.ParseID(id)
	println(region) // eu
}
