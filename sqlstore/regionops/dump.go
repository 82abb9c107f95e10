package regionops

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Dump reads the named tables in one read transaction, a consistent
// snapshot while the region keeps writing, and hands fn each row as the
// driver returns it (int64, float64, string, []byte or nil). Table names
// come from the caller's list of kurz tables, never from input.
func (db *Ops) Dump(ctx context.Context, tables []string, fn func(table string, cols []string, row []any) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{Isolation: db.d.SnapshotIsolation, ReadOnly: db.d.SnapshotIsolation != sql.LevelDefault})
	if err != nil {
		return db.wrap(err)
	}
	defer tx.Rollback()
	for _, t := range tables {
		if err := dumpTable(ctx, tx, t, fn); err != nil {
			return fmt.Errorf("dump %s: %w", t, db.wrap(err))
		}
	}
	return nil
}

func dumpTable(ctx context.Context, tx *sql.Tx, table string, fn func(string, []string, []any) error) error {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(table, cols, row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Restore inserts rows into table of a fresh database in one transaction,
// each value converted to its column's type (text and bytes differ
// between the dialects).
func (db *Ops) Restore(ctx context.Context, table string, cols []string, rows [][]any) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		probe, err := tx.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` WHERE 1 = 0`)
		if err != nil {
			return err
		}
		types, err := probe.ColumnTypes()
		probe.Close()
		if err != nil {
			return err
		}
		marks := make([]string, len(cols))
		for i := range marks {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, row := range rows {
			for i, v := range row {
				binary := strings.Contains(strings.ToUpper(types[i].DatabaseTypeName()), "B") // BLOB, BYTEA
				switch x := v.(type) {
				case string:
					if binary {
						row[i] = []byte(x)
					}
				case []byte:
					if !binary {
						row[i] = string(x)
					}
				}
			}
			if _, err := stmt.ExecContext(ctx, row...); err != nil {
				return fmt.Errorf("restore %s: %w", table, err)
			}
		}
		return nil
	})
}

// AfterRestore brings the dialect's sequences past the restored rows.
func (db *Ops) AfterRestore(ctx context.Context) error {
	if db.d.AfterRestore == "" {
		return nil
	}
	_, err := db.write.ExecContext(ctx, db.d.AfterRestore)
	return db.wrap(err)
}
