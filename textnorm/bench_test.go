package textnorm_test

import (
	"strings"
	"testing"

	"kurz/textnorm"
)

// BenchmarkSkeleton measures the word filter's form of a longest caption
// (2,200 characters of mixed text).
func BenchmarkSkeleton(b *testing.B) {
	caption := strings.Repeat("Morning light ＃kurz Москва 日本 café ", 70)[:2200]
	b.SetBytes(int64(len(caption)))
	for b.Loop() {
		textnorm.Skeleton(caption)
	}
}
