package kurz_test

import (
	"testing"

	"kurz"
)

// Micro-benchmarks of the ID hot path: every routed request parses an ID.
// Run: go test -run '^$' -bench . -benchmem -count 6 . | benchstat -

func BenchmarkParseID(b *testing.B) {
	id := kurz.NewID("eu")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kurz.ParseID(id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseIDMalformed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kurz.ParseID("eu_not-an-id-at-all-0000000000"); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = kurz.NewID("eu")
	}
}
