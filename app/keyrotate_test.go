package app_test

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kurz/keyring"
)

// TestKEKRotation: "kurz keys rotate" beside a serving process. A first
// run is killed (SIGKILL) half-way; people sign in and sign up meanwhile;
// a second run carries on to the end. Afterwards the old KEK opens no data
// key in the key store, the new one opens every key, the old key file is
// gone, and everyone still signs in by email (the blind index survives).
func TestKEKRotation(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--data", data)
	s := &server{t: t, logs: p.logs, base: "http://" + addr}
	var people []account
	for i := range 6 {
		people = append(people, s.signUp(fmt.Sprintf("rot%d", i), fmt.Sprintf("rot%d@example.org", i), "1990-01-01", "DE"))
	}
	kekPath := filepath.Join(data+"-keys", "eu", "kek")
	oldKEK, err := os.ReadFile(kekPath)
	if err != nil {
		t.Fatal(err)
	}
	oldRaw, err := keyring.ParseKey(strings.SplitN(string(oldKEK), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	old, err := keyring.New(oldRaw)
	if err != nil {
		t.Fatal(err)
	}
	loginByEmail := func(a account) {
		t.Helper()
		r := s.do("POST", "/api/v1/sessions", map[string]string{"login": a.Email, "password": a.Password})
		if r.Status != 201 {
			t.Fatalf("sign-in of %s by email: %d %s", a.Handle, r.Status, r.Body)
		}
	}

	// A slow rotation, killed after two keys.
	cmd := exec.Command(kurzBinary(t), "keys", "rotate", "--region", "eu", "--data", data, "--batch", "1", "--pause", "2s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.HasPrefix(sc.Text(), "progress: 2 re-wrapped") {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(kekPath + ".next"); err != nil {
		t.Fatalf("no next KEK after the interrupted rotation: %v (output %q)", err, seen)
	}
	// Half-way: keys under either KEK open; a new person's key is wrapped
	// under the next one.
	for _, a := range people {
		loginByEmail(a)
	}
	people = append(people, s.signUp("rotlate", "rotlate@example.org", "1990-01-01", "DE"))
	loginByEmail(people[len(people)-1])

	out, err := runKurz(t, "keys", "rotate", "--region", "eu", "--data", data)
	if err != nil || !strings.Contains(out, "carried on") {
		t.Fatalf("resumed rotation: %v\n%s", err, out)
	}
	if _, err := os.Stat(kekPath + ".next"); !os.IsNotExist(err) {
		t.Fatalf("next KEK file still there: %v", err)
	}
	newKeys, err := keyring.LoadOrCreate(kekPath)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data+"-keys", "eu", "keys.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT user_id, wrapped_key FROM person_keys")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id string
		var w []byte
		if err := rows.Scan(&id, &w); err != nil {
			t.Fatal(err)
		}
		n++
		if _, err := old.Unwrap(id, w); err == nil {
			t.Errorf("the old KEK still opens %s's data key", id)
		}
		if _, err := newKeys.Unwrap(id, w); err != nil {
			t.Errorf("the new KEK does not open %s's data key: %v", id, err)
		}
	}
	rows.Close()
	if n != len(people) {
		t.Fatalf("%d keys in the key store, want %d", n, len(people))
	}
	if b, _ := os.ReadFile(kekPath); strings.Contains(string(b), strings.TrimSpace(strings.SplitN(string(oldKEK), "\n", 2)[0])) {
		t.Fatal("the key file still holds the old KEK")
	}
	// The server serves on: everyone signs in, a newcomer too.
	people = append(people, s.signUp("rotafter", "rotafter@example.org", "1990-01-01", "DE"))
	for _, a := range people {
		loginByEmail(a)
	}
	// A restarted server opens every key with the new file alone.
	p.cmd.Process.Kill()
	p.cmd.Wait()
	p = startProcess(t, addr, "--data", data)
	s.logs = p.logs
	for _, a := range people {
		loginByEmail(a)
	}
}
