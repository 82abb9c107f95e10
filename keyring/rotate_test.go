package keyring_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kurz/keyring"
	"kurz/sqlite"
)

// failingKeys stops a rotation after n swaps (an interruption at a chosen
// point; the real kill -9 is TestKEKRotation in package app).
type failingKeys struct {
	keyring.WrappedKeys
	n int
}

func (f *failingKeys) SwapPersonKey(ctx context.Context, id string, old, new []byte) (bool, error) {
	if f.n == 0 {
		return false, errors.New("interrupted")
	}
	f.n--
	return f.WrappedKeys.SwapPersonKey(ctx, id, old, new)
}

// TestRotateResumes: an interrupted rotation leaves keys under both KEKs,
// which a keyring loaded from the files opens; running it again finishes;
// a crash between destroying the old file and renaming the next one over
// it still opens every key and is finished by the next run.
func TestRotateResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kek")
	store, err := sqlite.Open(ctx, filepath.Join(dir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	k, err := keyring.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"eu_a", "eu_b", "eu_c", "eu_d"}
	for _, id := range ids {
		_, w, err := k.NewDataKey(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.PutPersonKey(ctx, id, w); err != nil {
			t.Fatal(err)
		}
	}
	index := k.Index("email", []byte("x"))
	opensAll := func(what string) {
		t.Helper()
		fresh, err := keyring.LoadOrCreate(path)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, id := range ids {
			w, _ := store.PersonKey(ctx, id)
			if _, err := fresh.Unwrap(id, w); err != nil {
				t.Fatalf("%s: %s's key does not open", what, id)
			}
		}
		if !keyring.Equal(fresh.Index("email", []byte("x")), index) {
			t.Fatalf("%s: the blind-index key changed", what)
		}
	}
	opt := keyring.RotateOptions{Batch: 1, Grace: time.Millisecond}
	if _, err := keyring.Rotate(ctx, path, &failingKeys{store, 2}, opt); err == nil {
		t.Fatal("the interrupted rotation did not fail")
	}
	opensAll("after an interruption")
	res, err := keyring.Rotate(ctx, path, store, opt)
	if err != nil || !res.Resumed || res.Rewrapped != 2 || res.Already != 2 {
		t.Fatalf("resumed rotation: %+v %v", res, err)
	}
	opensAll("after the rotation")
	// The crash window: old file zeroed, next not yet renamed.
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path+".next", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, len(b)), 0o600); err != nil {
		t.Fatal(err)
	}
	opensAll("between destroying and renaming")
	if res, err := keyring.Rotate(ctx, path, store, opt); err != nil || !res.Resumed || res.Rewrapped != 0 {
		t.Fatalf("rotation after the crash window: %+v %v", res, err)
	}
	if _, err := os.Stat(path + ".next"); !os.IsNotExist(err) {
		t.Fatal("the next file is still there")
	}
	opensAll("at the end")
	// The keyring that served all along (loaded before) follows the files.
	for _, id := range ids {
		w, _ := store.PersonKey(ctx, id)
		if _, err := k.Unwrap(id, w); err != nil {
			time.Sleep(1100 * time.Millisecond) // it reloads at most once a second
			if _, err := k.Unwrap(id, w); err != nil {
				t.Fatalf("the serving keyring does not open %s's re-wrapped key", id)
			}
		}
	}
}
