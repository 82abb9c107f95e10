package keyring_test

import (
	"bytes"
	"crypto/rand"
	"testing"

	"kurz/keyring"
)

// Field encryption: every personal field read or written goes through a
// person's data key (and usually an Unwrap of it first).
// Run: go test -run '^$' -bench . -benchmem -count 6 ./keyring | benchstat -

func benchKey(b *testing.B) (*keyring.Keyring, *keyring.DataKey, []byte) {
	kek := make([]byte, 32)
	rand.Read(kek)
	k, err := keyring.New(kek)
	if err != nil {
		b.Fatal(err)
	}
	dk, wrapped, err := k.NewDataKey("eu_01jd3xk7q8m4v6tz9e2c5wrhbn")
	if err != nil {
		b.Fatal(err)
	}
	return k, dk, wrapped
}

func BenchmarkSeal64(b *testing.B) {
	_, dk, _ := benchKey(b)
	pt := bytes.Repeat([]byte("x"), 64)
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		_ = dk.Seal("email", pt)
	}
}

func BenchmarkOpen64(b *testing.B) {
	_, dk, _ := benchKey(b)
	sealed := dk.Seal("email", bytes.Repeat([]byte("x"), 64))
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Open("email", sealed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwrapOpen64 is what reading one sealed field costs when the
// data key is not cached: unwrap the person's key, then open the field.
func BenchmarkUnwrapOpen64(b *testing.B) {
	k, dk, wrapped := benchKey(b)
	sealed := dk.Seal("email", bytes.Repeat([]byte("x"), 64))
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		d, err := k.Unwrap("eu_01jd3xk7q8m4v6tz9e2c5wrhbn", wrapped)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Open("email", sealed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIndex(b *testing.B) {
	k, _, _ := benchKey(b)
	v := []byte("someone@example.org")
	b.ReportAllocs()
	for b.Loop() {
		_ = k.Index("email", v)
	}
}
