package storetest_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/internal/pgtest"
	"kurz/postgres"
	"kurz/sqlstore/storetest"
)

// TestPostgresLocale runs the suite on a PostgreSQL database whose default
// collation follows a language (ICU en-US), as a server initialised under
// an English system locale gives every new database: the store's answers,
// orderings included, must be SQLite's whatever the server's locale.
func TestPostgresLocale(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kurz.Store {
		db, err := postgres.Open(context.Background(), localeDatabase(t, "en-US"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// localeDatabase is pgtest.NewDatabase (same server, same skip and clean
// up) made again with an ICU locale as its default collation.
func localeDatabase(t *testing.T, locale string) string {
	dsn := pgtest.NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	_, err = admin.ExecContext(ctx, `CREATE DATABASE `+name+` LOCALE_PROVIDER icu ICU_LOCALE '`+locale+`' LOCALE 'C.UTF-8' TEMPLATE template0`)
	if err != nil {
		t.Fatalf("create a database with ICU locale %s: %v", locale, err)
	}
	return dsn
}
