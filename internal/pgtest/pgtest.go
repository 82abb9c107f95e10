// Package pgtest gives tests a fresh PostgreSQL database each.
//
// The server is KURZ_TEST_POSTGRES (default postgres://postgres:kurz@127.0.0.1:5432/postgres).
// When it cannot be reached, tests fail in CI (CI is set) and skip with a
// clear message on a developer machine.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// ServerURL returns the admin URL of the test server.
func ServerURL() string {
	if u := os.Getenv("KURZ_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres:kurz@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewDatabase creates an empty database for tb, dropped when tb ends, and
// returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", ServerURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("PostgreSQL is required in CI but unreachable at %s: %v", ServerURL(), err)
		}
		tb.Skipf("PostgreSQL unreachable at %s (start it: pg_ctlcluster 15 main start): %v", ServerURL(), err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "kurz_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(ServerURL())
	u.Path = "/" + name
	return u.String()
}
