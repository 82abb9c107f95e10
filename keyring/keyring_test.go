package keyring_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"kurz/keyring"
)

func mustKeyring(t *testing.T) *keyring.Keyring {
	t.Helper()
	k, err := keyring.LoadOrCreate(filepath.Join(t.TempDir(), "keyring", "kek"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := mustKeyring(t)
	dk, wrapped, err := k.NewDataKey("eu_a")
	if err != nil {
		t.Fatal(err)
	}
	sealed := dk.Seal("email", []byte("a@example.org"))
	if bytes.Contains(sealed, []byte("example")) {
		t.Fatal("plaintext visible in sealed value")
	}
	again, err := k.Unwrap("eu_a", wrapped)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := again.Open("email", sealed)
	if err != nil || string(pt) != "a@example.org" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	// A value cannot be moved to another field or person.
	if _, err := again.Open("country", sealed); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("opened under another field: %v", err)
	}
	if _, err := k.Unwrap("eu_b", wrapped); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("unwrapped for another person: %v", err)
	}
	other, _, _ := k.NewDataKey("eu_a")
	if _, err := other.Open("email", sealed); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("opened with a new key (crypto-shredding broken): %v", err)
	}
	// Another region's KEK cannot unwrap.
	if _, err := mustKeyring(t).Unwrap("eu_a", wrapped); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("unwrapped with another KEK: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring", "kek")
	k1, err := keyring.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := keyring.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.Index("email", []byte("x")), k2.Index("email", []byte("x"))) {
		t.Fatal("reloaded key differs")
	}
	if bytes.Equal(k1.Index("email", []byte("x")), mustKeyring(t).Index("email", []byte("x"))) {
		t.Fatal("two regions share a blind index")
	}
	os.Chmod(path, 0o644)
	if _, err := keyring.LoadOrCreate(path); err == nil {
		t.Fatal("a world-readable key file was accepted")
	}
}
