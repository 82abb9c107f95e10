package storetest_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kurz/internal/pgtest"
	"kurz/postgres"
	"kurz/sqlite"
	"kurz/sqlstore"
)

// column is what the two dialects must agree on about a column. Types are
// compared by family: SQLite's INTEGER is PostgreSQL's SMALLINT or BIGINT.
type column struct {
	Name    string
	Type    string // integer, text, bytes
	NotNull bool
	Default string // "" for none; "auto" for a generated sequence
}

// schema is a migrated database as the dialects must agree on it.
type schema struct {
	Columns map[string][]column // table → columns in order
	Keys    map[string][]string // table → primary key and unique column sets, sorted
	Foreign map[string][]string // table → "col → table(col) on delete action", sorted
	Indexes map[string]string   // explicit index → "table(cols)"
}

func newSchema() *schema {
	return &schema{Columns: map[string][]column{}, Keys: map[string][]string{}, Foreign: map[string][]string{}, Indexes: map[string]string{}}
}

func typeFamily(t string) string {
	switch t := strings.ToLower(t); t {
	case "integer", "smallint", "bigint":
		return "integer"
	case "text":
		return "text"
	case "blob", "bytea":
		return "bytes"
	default:
		return "other: " + t
	}
}

// normDefault strips PostgreSQL's casts ("”::text" is SQLite's "”").
func normDefault(d sql.NullString) string {
	if !d.Valid {
		return ""
	}
	if strings.HasPrefix(d.String, "nextval(") {
		return "auto"
	}
	s, _, _ := strings.Cut(d.String, "::")
	// The empty byte string: SQLite's blob literal x'' is PostgreSQL's
	// bytea '\x'.
	if s == `'\x'` {
		s = "x''"
	}
	return s
}

func rows(t *testing.T, db *sql.DB, query string, args []any, dest ...any) func(yield func() bool) {
	t.Helper()
	return func(yield func() bool) {
		rs, err := db.QueryContext(context.Background(), query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rs.Close()
		for rs.Next() {
			if err := rs.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			if !yield() {
				return
			}
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func sqliteSchema(t *testing.T, db *sql.DB) *schema {
	s := newSchema()
	tables := map[string]string{}
	var name, tableSQL string
	for range rows(t, db, `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`, nil, &name, &tableSQL) {
		tables[name] = tableSQL
	}
	for table, tableSQL := range tables {
		var col, typ string
		var notNull, pk int
		var dflt sql.NullString
		var pkCols []string
		autoinc := strings.Contains(tableSQL, "AUTOINCREMENT")
		type pkCol struct {
			pos  int
			name string
		}
		var pks []pkCol
		for range rows(t, db, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid`, []any{table}, &col, &typ, &notNull, &dflt, &pk) {
			// SQLite lets a primary key column other than an INTEGER one
			// hold NULL, where PostgreSQL refuses it; kurz's keys are IDs
			// and hashes, never NULL, so a key column counts as NOT NULL
			// here as it does there.
			c := column{Name: col, Type: typeFamily(typ), NotNull: notNull == 1 || pk > 0, Default: normDefault(dflt)}
			if pk > 0 && autoinc {
				c.Default = "auto"
			}
			if pk > 0 {
				pks = append(pks, pkCol{pk, col})
			}
			s.Columns[table] = append(s.Columns[table], c)
		}
		slices.SortFunc(pks, func(a, b pkCol) int { return a.pos - b.pos })
		for _, p := range pks {
			pkCols = append(pkCols, p.name)
		}
		s.Keys[table] = append(s.Keys[table], "primary key ("+strings.Join(pkCols, ", ")+")")

		var index, origin string
		var unique int
		var indexes []string
		for range rows(t, db, `SELECT name, "unique", origin FROM pragma_index_list($1)`, []any{table}, &index, &unique, &origin) {
			if origin == "u" {
				indexes = append(indexes, "u:"+index)
			} else if origin == "c" {
				indexes = append(indexes, "c:"+index)
			}
		}
		for _, ix := range indexes {
			kind, index, _ := strings.Cut(ix, ":")
			var cols []string
			for range rows(t, db, `SELECT name FROM pragma_index_info($1) ORDER BY seqno`, []any{index}, &col) {
				cols = append(cols, col)
			}
			if kind == "u" {
				s.Keys[table] = append(s.Keys[table], "unique ("+strings.Join(cols, ", ")+")")
			} else {
				s.Indexes[index] = table + "(" + strings.Join(cols, ", ") + ")"
			}
		}
		slices.Sort(s.Keys[table])

		var refTable, from, to, onDelete string
		for range rows(t, db, `SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list($1)`, []any{table}, &refTable, &from, &to, &onDelete) {
			s.Foreign[table] = append(s.Foreign[table], fmt.Sprintf("%s → %s(%s) on delete %s", from, refTable, to, strings.ToLower(onDelete)))
		}
		slices.Sort(s.Foreign[table])
	}
	return s
}

func postgresSchema(t *testing.T, db *sql.DB) *schema {
	s := newSchema()
	var table, col, typ, nullable string
	var dflt sql.NullString
	for range rows(t, db, `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
		WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`, nil, &table, &col, &typ, &nullable, &dflt) {
		s.Columns[table] = append(s.Columns[table], column{Name: col, Type: typeFamily(typ), NotNull: nullable == "NO", Default: normDefault(dflt)})
	}
	var kind, cols, refTable, refCols, onDelete string
	for range rows(t, db, `SELECT c.contype::text, t.relname,
			(SELECT string_agg(a.attname, ', ' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
			coalesce(r.relname, ''),
			coalesce((SELECT string_agg(a.attname, ', ' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n), ''),
			c.confdeltype::text
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
		LEFT JOIN pg_class r ON r.oid = c.confrelid
		WHERE ns.nspname = 'public' AND c.contype IN ('p', 'u', 'f')`, nil, &kind, &table, &cols, &refTable, &refCols, &onDelete) {
		switch kind {
		case "p":
			s.Keys[table] = append(s.Keys[table], "primary key ("+cols+")")
		case "u":
			s.Keys[table] = append(s.Keys[table], "unique ("+cols+")")
		case "f":
			action := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[onDelete]
			s.Foreign[table] = append(s.Foreign[table], fmt.Sprintf("%s → %s(%s) on delete %s", cols, refTable, refCols, action))
		}
	}
	for _, m := range []map[string][]string{s.Keys, s.Foreign} {
		for k := range m {
			slices.Sort(m[k])
		}
	}
	var index string
	for range rows(t, db, `SELECT i.relname, t.relname,
			(SELECT string_agg(a.attname, ', ' ORDER BY k.i) FROM unnest(x.indkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace ns ON ns.oid = t.relnamespace
		WHERE ns.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`, nil, &index, &table, &cols) {
		s.Indexes[index] = table + "(" + cols + ")"
	}
	return s
}

func openSQLite(t *testing.T) *sqlstore.DB {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kurz.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t *testing.T) *sqlstore.DB {
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSameSchema: after migrating, SQLite and PostgreSQL have the same
// tables, the same columns in the same order with the same type family,
// nullability and default, the same keys, foreign keys (with their ON
// DELETE, which erasure relies on) and indexes.
func TestSameSchema(t *testing.T) {
	lite, pg := openSQLite(t), openPostgres(t)
	a, b := sqliteSchema(t, lite.SQL()), postgresSchema(t, pg.SQL())
	if len(a.Columns) < 20 || len(a.Foreign) < 5 || len(a.Indexes) < 5 {
		t.Fatalf("introspection found %d tables, %d with foreign keys, %d indexes: too few to be right", len(a.Columns), len(a.Foreign), len(a.Indexes))
	}
	if ta, tb := slices.Sorted(maps.Keys(a.Columns)), slices.Sorted(maps.Keys(b.Columns)); !slices.Equal(ta, tb) {
		t.Fatalf("tables differ:\nsqlite:   %v\npostgres: %v", ta, tb)
	}
	for table, ca := range a.Columns {
		if cb := b.Columns[table]; !slices.Equal(ca, cb) {
			t.Errorf("columns of %s differ:\nsqlite:   %+v\npostgres: %+v", table, ca, cb)
		}
		if ka, kb := a.Keys[table], b.Keys[table]; !slices.Equal(ka, kb) {
			t.Errorf("keys of %s differ:\nsqlite:   %v\npostgres: %v", table, ka, kb)
		}
		if fa, fb := a.Foreign[table], b.Foreign[table]; !slices.Equal(fa, fb) {
			t.Errorf("foreign keys of %s differ:\nsqlite:   %v\npostgres: %v", table, fa, fb)
		}
	}
	if !maps.Equal(a.Indexes, b.Indexes) {
		t.Errorf("indexes differ:\nsqlite:   %v\npostgres: %v", a.Indexes, b.Indexes)
	}
}

// TestTableCountsCoverSchema: TableCounts counts every table the
// migrations create (the residency report is built from it), apart from
// the migration ledger and person_keys, which is used only in the separate
// key store database.
func TestTableCountsCoverSchema(t *testing.T) {
	lite, pg := openSQLite(t), openPostgres(t)
	for name, db := range map[string]*sqlstore.DB{"sqlite": lite, "postgres": pg} {
		var tables []string
		if name == "sqlite" {
			tables = slices.Sorted(maps.Keys(sqliteSchema(t, db.SQL()).Columns))
		} else {
			tables = slices.Sorted(maps.Keys(postgresSchema(t, db.SQL()).Columns))
		}
		tables = slices.DeleteFunc(tables, func(s string) bool { return s == "kurz_migrations" || s == "person_keys" })
		counts, err := db.TableCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(maps.Keys(counts)); !slices.Equal(got, tables) {
			t.Errorf("%s: TableCounts counts %v; the schema has %v", name, got, tables)
		}
	}
}

var (
	classLine  = regexp.MustCompile(`^-- class: ([a-z-]+)`)
	createLine = regexp.MustCompile(`^CREATE TABLE ([a-z_]+)`)
	alterLine  = regexp.MustCompile(`^ALTER TABLE ([a-z_]+) ADD COLUMN ([a-z_]+) `)
	columnLine = regexp.MustCompile(`^\s+([a-z_]+)\s+[A-Z]`)
	// A column's comment starts with its class when it has one of its own.
	commentClass = regexp.MustCompile(`--\s*([a-z-]+)`)
)

var classes = []string{"public", "personal", "regional-operational"}

// classLabels reads the data-class labels of a migration set: the class
// stated before each CREATE TABLE (key "table") and ALTER TABLE ... ADD
// COLUMN (key "table.column"; a class line covers the statements up to the
// next blank line), and the class a column's own comment starts with (key
// "table.column:comment").
func classLabels(t *testing.T, migrations fs.FS) (files []string, labels map[string]string) {
	labels = map[string]string{}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		files = append(files, name)
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			t.Fatal(err)
		}
		pending, table := "", ""
		columnClass := func(key, line string) {
			if m := commentClass.FindStringSubmatch(line); m != nil && slices.Contains(classes, m[1]) {
				labels[key+":comment"] = m[1]
			}
		}
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		for sc.Scan() {
			line := sc.Text()
			class, create := classLine.FindStringSubmatch(line), createLine.FindStringSubmatch(line)
			alter, col := alterLine.FindStringSubmatch(line), columnLine.FindStringSubmatch(line)
			switch {
			case strings.TrimSpace(line) == "":
				pending = ""
			case class != nil:
				pending = class[1]
			case create != nil:
				table = create[1]
				labels[table] = pending
			case alter != nil:
				labels[alter[1]+"."+alter[2]] = pending
				columnClass(alter[1]+"."+alter[2], line)
			case strings.HasPrefix(line, ");"):
				table = ""
			case table != "" && col != nil:
				columnClass(table+"."+col[1], line)
			}
		}
	}
	return files, labels
}

// TestSameDataClasses: both migration sets have the same files and label
// every table, added column and column comment with the same data class
// (the residency report and DESIGN.md read them).
func TestSameDataClasses(t *testing.T) {
	fa, la := classLabels(t, sqlite.Dialect.Migrations)
	fb, lb := classLabels(t, postgres.Dialect.Migrations)
	if !slices.Equal(fa, fb) {
		t.Fatalf("migration files differ:\nsqlite:   %v\npostgres: %v", fa, fb)
	}
	tables, columns := 0, 0
	for key, class := range la {
		switch {
		case strings.HasSuffix(key, ":comment"):
			columns++
		case !strings.Contains(key, "."):
			tables++
			if !slices.Contains(classes, class) {
				t.Errorf("sqlite: table %s has class %q, want one of %v", key, class, classes)
			}
		}
	}
	if tables < 20 || columns < 20 {
		t.Fatalf("found %d table labels and %d column labels: the parser is wrong", tables, columns)
	}
	for _, key := range slices.Sorted(maps.Keys(la)) {
		if la[key] != lb[key] {
			t.Errorf("%s: sqlite says %q, postgres %q", key, la[key], lb[key])
		}
	}
	for _, key := range slices.Sorted(maps.Keys(lb)) {
		if _, ok := la[key]; !ok {
			t.Errorf("%s: postgres says %q, sqlite has no label", key, lb[key])
		}
	}

	// Every table of the migrated database has a class (the ledger states
	// its class in the code that creates it).
	for table := range sqliteSchema(t, openSQLite(t).SQL()).Columns {
		if _, ok := la[table]; !ok && table != "kurz_migrations" {
			t.Errorf("table %s has no class label", table)
		}
	}
}
