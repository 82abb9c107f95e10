package policy

import (
	"flag"
	"kurz"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite POLICY.md from the table")

// TestTable: Decide gives the table's answer in every cell, and the table
// has every (state, viewer) row once.
func TestTable(t *testing.T) {
	cells, err := Cells()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]bool{}
	for _, c := range cells {
		seen[[2]string{c.State, c.Viewer}] = true
		v, s := Example(c.State, c.Viewer)
		for _, f := range Surfaces {
			if got := Decide(v, s, f).Answer(); got != c.Answers[f] {
				t.Errorf("%s × %s × %s: Decide says %s, the table %s", c.Viewer, c.State, f, got, c.Answers[f])
			}
		}
	}
	for _, st := range States {
		for _, v := range Viewers {
			if !seen[[2]string{st, v}] {
				t.Errorf("the table has no row for %s × %s", st, v)
			}
		}
	}
	if len(cells) != len(States)*len(Viewers) {
		t.Errorf("the table has %d rows, want %d", len(cells), len(States)*len(Viewers))
	}
}

// TestPolicyDoc: POLICY.md is the table.
func TestPolicyDoc(t *testing.T) {
	want := Markdown()
	if *update {
		if err := os.WriteFile("POLICY.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("POLICY.md")
	if err != nil || string(got) != want {
		t.Fatalf("POLICY.md is not the table; run go test ./policy -run TestPolicyDoc -update")
	}
}

// TestCountryAndRecommend: the parts the table's examples do not vary.
func TestCountryAndRecommend(t *testing.T) {
	s := Subject{Status: "ready", Visibility: "public", Countries: []string{"FR"}}
	if !Decide(Viewer{ID: "x", Countries: []string{"DE"}}, s, Record).See {
		t.Error("a restriction in FR hides from a viewer in DE")
	}
	if Decide(Viewer{Countries: []string{"DE", "FR"}}, s, Embed).See {
		t.Error("an embed at a door serving FR shows a video restricted in FR")
	}
	s.Countries = []string{"ALL"}
	if Decide(Viewer{ID: "x"}, s, Record).See || Decide(Viewer{}, s, Replica).See {
		t.Error("a restriction everywhere shows")
	}
	if Decide(Viewer{}, Subject{Status: "ready", Visibility: "public", OwnerMinor: true}, Replica).See {
		t.Error("a minor's video replicates")
	}
}

// TestPlayableIsReady: a video whose first rendition is published while
// the rest of its ladder is made (status playable) is decided as a ready
// one, for every state, viewer and surface of the table.
func TestPlayableIsReady(t *testing.T) {
	for _, state := range States {
		for _, viewer := range Viewers {
			v, s := Example(state, viewer)
			if s.Status != kurz.StatusReady {
				continue // held, removed: not a finished video's state
			}
			p := s
			p.Status = kurz.StatusPlayable
			for _, f := range Surfaces {
				if got, want := Decide(v, p, f), Decide(v, s, f); got.Answer() != want.Answer() {
					t.Errorf("%s/%s/%s: playable %s, ready %s", state, viewer, f, got.Answer(), want.Answer())
				}
			}
		}
	}
}
