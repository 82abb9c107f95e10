package textfmt

import (
	"strings"
	"testing"
)

// Payloads captions are tried with (as in package web's tests).
const (
	xssURL = `javascript:alert(1)`
	xssAll = `<script>alert(1)</script> "><img src=x onerror=alert(1)> ` + xssURL + " #tag @alice"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	got := Segments("Hi @Alice. see #Sunset, mail a@b.com or #x_1 @no @bad..dots " + xssURL)
	var links []string
	for _, s := range got {
		if s.Href != "" {
			links = append(links, s.Text+"→"+s.Href)
		}
	}
	want := []string{"@Alice→/@alice", "#Sunset→/tag/sunset", "#x_1→/tag/x_1"}
	if strings.Join(links, " ") != strings.Join(want, " ") {
		t.Errorf("links = %v, want %v", links, want)
	}
}

func TestCompact(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1K", 1234: "1.2K", 999_999: "999.9K", 1_500_000: "1.5M", 2_000_000_000: "2B"} {
		if got := Compact(n); got != want {
			t.Errorf("Compact(%d) = %q, want %q", n, got, want)
		}
	}
}

func FuzzSegments(f *testing.F) {
	f.Add("#a @bob " + xssAll)
	f.Add("@@@###..@a.b")
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		for _, seg := range Segments(s) {
			b.WriteString(seg.Text)
			if seg.Href != "" && !strings.HasPrefix(seg.Href, "/tag/") && !strings.HasPrefix(seg.Href, "/@") {
				t.Fatalf("link %q", seg.Href)
			}
			if strings.ContainsAny(seg.Href, "<>\"' :") {
				t.Fatalf("link %q has markup or scheme characters", seg.Href)
			}
		}
		if b.String() != s {
			t.Fatalf("segments lose text: %q -> %q", s, b.String())
		}
	})
}
