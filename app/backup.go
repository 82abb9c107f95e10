package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"kurz"
	"kurz/blob"
	"kurz/blob/s3blob"
	"kurz/cell"
	"kurz/postgres"
	"kurz/region"
	"kurz/regionarchive"
	"kurz/replication"
	"kurz/sqlite"
	"kurz/sqlstore"
	"kurz/sqlstore/regionops"
)

// Backup and restore of a running region (see README, "Backup and
// restore"). A backup is two targets (regionarchive's backup layout):
//
//   - the data target: the database as one consistent snapshot taken
//     while the region serves (SQLite: VACUUM INTO, a compact copy read in
//     one read transaction; PostgreSQL: every kurz table dumped in one
//     REPEATABLE READ read-only transaction through the store, in the
//     region archive's table format, so no pg_dump of a matching version
//     is needed), then the blobs (media, originals, exports, uploads);
//   - the keys target: the key store's wrapped data keys and the KEK.
//     It must be named apart and may not lie inside the data target (or
//     the other way round) or inside the region's data folder: a copy of
//     one must never be enough to read the other.
//
// The keys are read after the database snapshot, so every person in it
// has a key unless erased meanwhile (then the key is gone, as it should
// be). Blobs are copied after the snapshot too: an object deleted in
// between is missing from the backup, one added in between is carried
// unreferenced.
//
// PostgreSQL: the job queue's tables are not carried (work in flight is
// taken back at start, as after a region import); a restore goes into a
// fresh, empty database (and key database, if the keys are in
// PostgreSQL). SQLite: the file carries the queue too.
//
// A restore gives the region's public log a new generation: its peers
// see it on their next read, drop what they hold of the region and read
// its log again from the start (replication.checkGeneration).

// TargetPath opens a backup target: a folder (made if missing) or
// s3://bucket/prefix?endpoint=… It returns the store and a canonical name
// for overlap checks (ending in "/").
func TargetPath(raw string, create bool) (blob.Store, string, error) {
	if raw == "" {
		return nil, "", errors.New("no target given")
	}
	if strings.HasPrefix(raw, "s3://") {
		bc, err := s3blob.ParseURL(raw)
		if err != nil {
			return nil, "", err
		}
		name := "s3://" + bc.Endpoint + "|" + bc.Bucket + "/" + bc.Prefix
		return s3blob.New(bc), strings.TrimSuffix(name, "/") + "/", nil
	}
	if strings.Contains(raw, "://") {
		return nil, "", fmt.Errorf("target %q: give a folder or s3://bucket/prefix", raw)
	}
	abs, err := filepath.Abs(raw)
	if err != nil {
		return nil, "", err
	}
	if create {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, "", err
		}
	}
	return &blob.Dir{Root: abs}, canonicalDir(abs), nil
}

// canonicalDir resolves symbolic links in the existing part of path.
func canonicalDir(path string) string {
	p, rest := filepath.Clean(path), ""
	for {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = filepath.Join(real, rest)
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
	return strings.TrimSuffix(filepath.Clean(p), "/") + "/"
}

// overlaps says whether one canonical target lies in the other.
func overlaps(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// checkKeysApart refuses a keys target inside (or around) the data
// target or the region's data folder.
func checkKeysApart(cfg Config, r kurz.Region, data, keys string) error {
	if overlaps(data, keys) {
		return errors.New("--keys-out must be a target of its own, neither inside --out nor around it: a copy of the backup must not carry the keys that open it")
	}
	if dataDir := canonicalDir(filepath.Join(cfg.DataDir, string(r))); overlaps(dataDir, keys) {
		return fmt.Errorf("--keys-out lies in region %s's data folder: keep the keys apart from the data", r)
	}
	return nil
}

// allTables lists every kurz table in creation order (parents first) and
// the number of the last migration.
func allTables() ([]string, int, error) {
	names, err := fs.Glob(sqlite.Dialect.Migrations, "*.sql")
	if err != nil {
		return nil, 0, err
	}
	sort.Strings(names)
	var out []string
	schema := 0
	for _, n := range names {
		b, err := fs.ReadFile(sqlite.Dialect.Migrations, n)
		if err != nil {
			return nil, 0, err
		}
		for _, m := range createRE.FindAllStringSubmatch(string(b), -1) {
			out = append(out, m[1])
		}
		if v, err := strconv.Atoi(strings.SplitN(n, "_", 2)[0]); err == nil && v > schema {
			schema = v
		}
	}
	return out, schema, nil
}

// BackupResult is what a backup wrote.
type BackupResult struct {
	Data *regionarchive.BackupManifest
	Keys *regionarchive.KeysManifest
}

// BackupRegion writes a backup of region c (which may keep serving in
// another process) to out and its keys to keysOut.
func BackupRegion(ctx context.Context, cfg Config, c *region.Region, out, keysOut string) (*BackupResult, error) {
	if keysOut == "" {
		return nil, errors.New("--keys-out: name a target for the key store and KEK, apart from --out (they are never written beside the data)")
	}
	if out == "" {
		return nil, errors.New("--out: name a folder or s3://bucket/prefix for the backup")
	}
	_, outName, err := TargetPath(out, false)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	_, keysName, err := TargetPath(keysOut, false)
	if err != nil {
		return nil, fmt.Errorf("--keys-out: %w", err)
	}
	if err := checkKeysApart(cfg, c.Region, outName, keysName); err != nil {
		return nil, err
	}
	outStore, _, err := TargetPath(out, true)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	keyStore, _, err := TargetPath(keysOut, true)
	if err != nil {
		return nil, fmt.Errorf("--keys-out: %w", err)
	}
	db, ok1 := c.Store.(*sqlstore.DB)
	keys, ok2 := c.KeyStore.(*sqlstore.DB)
	if !ok1 || !ok2 {
		return nil, errors.New("backup: the stores cannot be read table by table")
	}
	keyFile, err := kekFile(cfg, c.Region)
	if err != nil {
		return nil, err
	}
	tables, schema, err := allTables()
	if err != nil {
		return nil, err
	}
	dt, err := regionarchive.NewBackupTarget(ctx, outStore)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	kt, err := regionarchive.NewBackupTarget(ctx, keyStore)
	if err != nil {
		return nil, fmt.Errorf("--keys-out: %w", err)
	}
	// The generation is made now if the log never had one, so that the
	// snapshot carries it.
	gen, err := db.LogGeneration(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	m := &regionarchive.BackupManifest{Format: regionarchive.BackupFormat, ID: regionops.NewGeneration(), Region: c.Region, CreatedAt: now,
		Schema: schema, Store: db.Dialect(), Generation: gen}
	if db.Dialect() == "sqlite" {
		err = snapshotSQLite(ctx, filepath.Join(cfg.DataDir, string(c.Region), "kurz.db"), dt, m)
	} else {
		m.Rows, err = dt.DumpTables(ctx, "db", db, tables, func(table string, cols []string, row []any) {
			if table == "public_log" && len(cols) > 0 && cols[0] == "seq" {
				if seq, ok := row[0].(int64); ok && seq > m.LogHead {
					m.LogHead = seq
				}
			}
		})
	}
	if err != nil {
		return nil, err
	}
	km := &regionarchive.KeysManifest{Format: regionarchive.KeysFormat, ID: m.ID, Region: c.Region, CreatedAt: now}
	keyRows, err := kt.DumpTables(ctx, "keys", keys, []string{"person_keys"}, nil)
	if err != nil {
		return nil, err
	}
	km.KeyRows = keyRows["person_keys"]
	if _, err := kt.Put(ctx, "kek", bytes.NewReader(keyFile)); err != nil {
		return nil, err
	}
	km.Files = kt.Files
	if err := kt.Finish(ctx, regionarchive.KeysManifestName, km); err != nil {
		return nil, err
	}
	if m.Blobs, m.BlobBytes, err = dt.CopyBlobs(ctx, c.Blobs, blobPrefixes); err != nil {
		return nil, err
	}
	m.Files = dt.Files
	if err := dt.Finish(ctx, regionarchive.ManifestName, m); err != nil {
		return nil, err
	}
	return &BackupResult{Data: m, Keys: km}, nil
}

// snapshotSQLite copies the database at dbPath with VACUUM INTO into a folder of
// its own (beside the data target when it is a folder), checks the copy
// and counts its rows, then writes it to the target as kurz.db.
func snapshotSQLite(ctx context.Context, dbPath string, dt *regionarchive.BackupTarget, m *regionarchive.BackupManifest) error {
	base := ""
	if d, ok := dt.Store.(*blob.Dir); ok {
		base = d.Root
	}
	tmp, err := os.MkdirTemp(base, ".snapshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "kurz.db")
	if err := sqlite.Snapshot(ctx, dbPath, path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	snap, err := sqlite.OpenSchema(ctx, path, sqlstore.MigrateNone)
	if err != nil {
		return err
	}
	err = sqlite.Check(ctx, snap)
	if err == nil {
		m.Rows, err = snap.TableCounts(ctx)
	}
	if err == nil {
		m.LogHead, err = snap.LastLogSeq(ctx)
	}
	if e := snap.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("the snapshot: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = dt.Put(ctx, "kurz.db", f)
	return err
}

// RestoreResult is what a restore did.
type RestoreResult struct {
	Backup *regionarchive.BackupManifest
	// Generation is the region's new log generation.
	Generation string
	Blobs      int64
	// Erased are the people of the backup whose data key the region no
	// longer held (erased after the backup): their restored keys are
	// destroyed again and their erasure runs again at start.
	Erased []string
	// KeysUnknown says the region's key store was missing, so people
	// erased since the backup could not be told apart (see README).
	KeysUnknown bool
}

// checkFreshPostgres refuses a database that holds a region already: a
// restore on PostgreSQL goes into a fresh one, and the old one stays
// until the operator drops it.
func checkFreshPostgres(ctx context.Context, dsn string, r kurz.Region) error {
	db, err := postgres.OpenSchema(ctx, dsn, sqlstore.MigrateNone)
	if err != nil {
		return fmt.Errorf("region %s's database: %w", r, err)
	}
	defer db.Close()
	var n int64
	err = db.SQL().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM profiles) + (SELECT count(*) FROM public_log) + (SELECT count(*) FROM videos)`).Scan(&n)
	if err == nil && n > 0 {
		return fmt.Errorf("region %s's database is not empty: restore into a fresh database (create one and point --db at it)", r)
	}
	return nil // empty, or without kurz's tables yet
}

// currentKeyIDs lists whose data keys region r's key store holds now; nil
// if there is no key store to ask (a lost machine).
func currentKeyIDs(ctx context.Context, cfg Config, r kurz.Region, keysDir string) (map[string]bool, error) {
	var db *sqlstore.DB
	var err error
	if dsn := cfg.KeyDB[r]; dsn != "" {
		db, err = postgres.OpenSchema(ctx, dsn, sqlstore.MigrateNone)
	} else if path := filepath.Join(keysDir, "keys.db"); exists(path) {
		db, err = sqlite.OpenSchema(ctx, path, sqlstore.MigrateNone)
	} else {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the region's key store: %w", err)
	}
	defer db.Close()
	ids, err := personKeyIDs(ctx, db)
	if err != nil {
		if cfg.KeyDB[r] != "" {
			return nil, nil // a fresh database without the table yet
		}
		return nil, fmt.Errorf("the region's key store: %w", err)
	}
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

func personKeyIDs(ctx context.Context, db *sqlstore.DB) ([]string, error) {
	rows, err := db.SQL().QueryContext(ctx, `SELECT user_id FROM person_keys`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RestoreRegion puts the backup at from (with its keys at keysFrom) back
// as region r of cfg. The region must be stopped (its data folder lock is
// taken); on PostgreSQL its database must be fresh. Everything is checked
// against the manifests before anything is changed.
func RestoreRegion(ctx context.Context, cfg Config, r kurz.Region, from, keysFrom string) (*RestoreResult, error) {
	if from == "" || keysFrom == "" {
		return nil, errors.New("--from and --keys-from: name the backup's data target and its keys target")
	}
	ds, _, err := TargetPath(from, false)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	ks, _, err := TargetPath(keysFrom, false)
	if err != nil {
		return nil, fmt.Errorf("--keys-from: %w", err)
	}
	var m regionarchive.BackupManifest
	var km regionarchive.KeysManifest
	if err := regionarchive.ReadManifest(ctx, ds, regionarchive.ManifestName, &m); err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	if err := regionarchive.ReadManifest(ctx, ks, regionarchive.KeysManifestName, &km); err != nil {
		return nil, fmt.Errorf("--keys-from: %w", err)
	}
	tables, schema, err := allTables()
	if err != nil {
		return nil, err
	}
	wantStore := "sqlite"
	if cfg.DB[r] != "" {
		wantStore = "postgres"
	}
	switch {
	case m.Format != regionarchive.BackupFormat || km.Format != regionarchive.KeysFormat:
		return nil, fmt.Errorf("not a kurz backup (formats %q and %q)", m.Format, km.Format)
	case m.Region != r || km.Region != r:
		return nil, fmt.Errorf("the backup holds region %s (keys: %s), not %s", m.Region, km.Region, r)
	case m.ID != km.ID:
		return nil, errors.New("the keys target belongs to another backup: give the keys written with this one")
	case m.Schema != schema:
		return nil, fmt.Errorf("the backup was made by a kurz with schema %d, this one has %d: restore with the version that made it, then upgrade", m.Schema, schema)
	case m.Store != wantStore:
		return nil, fmt.Errorf("the backup is of a %s database; region %s is configured for %s", m.Store, r, wantStore)
	}
	if err := regionarchive.VerifyFiles(ctx, ds, m.Files); err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	if err := regionarchive.VerifyFiles(ctx, ks, km.Files); err != nil {
		return nil, fmt.Errorf("--keys-from: %w", err)
	}
	kek, err := blob.Read(ctx, ks, "kek")
	if err != nil {
		return nil, fmt.Errorf("--keys-from: %w", err)
	}
	dir := filepath.Join(cfg.DataDir, string(r))
	lock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("region %s is running: stop it before restoring (%w)", r, err)
	}
	defer lock.Close()
	mm := &Main{Config: cfg}
	keysDir := mm.keysDir(r)
	// The KEK: from the environment it must be the backup's; as a file it
	// is put back (a rotation under way is finished first).
	if cfg.KEK[r] != "" {
		if strings.TrimSpace(cfg.KEK[r]) != strings.TrimSpace(string(kek)) {
			return nil, fmt.Errorf("KURZ_KEK_%s is not the KEK of this backup: give the backup's (its keys target holds it)", upper(string(r)))
		}
	} else if exists(filepath.Join(keysDir, "kek.next")) {
		return nil, fmt.Errorf("a KEK rotation of %s is under way: run kurz keys rotate --region %s to its end first", r, r)
	}
	if m.Store == "postgres" {
		if err := checkFreshPostgres(ctx, cfg.DB[r], r); err != nil {
			return nil, err
		}
	}
	// Whose keys the region holds now: a person in the backup whose key
	// is gone since was erased after it, and stays erased.
	current, err := currentKeyIDs(ctx, cfg, r, keysDir)
	if err != nil {
		return nil, err
	}
	if m.Store == "sqlite" {
		if err := putSQLite(ctx, ds, dir); err != nil {
			return nil, err
		}
	}
	if cfg.KEK[r] == "" {
		if err := os.MkdirAll(keysDir, 0o700); err != nil {
			return nil, err
		}
		if err := writeFileSync(filepath.Join(keysDir, "kek"), kek); err != nil {
			return nil, err
		}
	}
	if cfg.KeyDB[r] == "" {
		// The key store is made anew from the backup's rows.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(filepath.Join(keysDir, "keys.db"+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	rc := mm.offlineRegionConfig(r)
	rc.Migrate = sqlstore.MigrateAll
	c, err := region.Open(ctx, rc)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.OpenJobs(ctx, cell.JobsConfig{InsertOnly: true}); err != nil {
		return nil, err
	}
	db, ok1 := c.Store.(*sqlstore.DB)
	keys, ok2 := c.KeyStore.(*sqlstore.DB)
	if !ok1 || !ok2 {
		return nil, errors.New("restore: the stores cannot be written table by table")
	}
	if m.Store == "postgres" {
		if n, err := db.TableCounts(ctx); err != nil {
			return nil, err
		} else if n["profiles"] > 0 || n["public_log"] > 0 || n["videos"] > 0 {
			return nil, fmt.Errorf("region %s's database is not empty: restore into a fresh database (create one and point --db at it)", r)
		}
		if err := regionarchive.RestoreTables(ctx, ds, m.Files, "db", db, tables); err != nil {
			return nil, err
		}
	}
	if cfg.KeyDB[r] != "" {
		// A key database in PostgreSQL is emptied and filled again.
		if _, err := keys.SQL().ExecContext(ctx, `DELETE FROM person_keys`); err != nil {
			return nil, err
		}
	}
	if err := regionarchive.RestoreTables(ctx, ks, km.Files, "keys", keys, []string{"person_keys"}); err != nil {
		return nil, err
	}
	res := &RestoreResult{Backup: &m, Generation: regionops.NewGeneration()}
	if current != nil {
		restored, err := personKeyIDs(ctx, keys)
		if err != nil {
			return nil, err
		}
		for _, id := range restored {
			if current[id] {
				continue
			}
			if err := c.KeyStore.DeletePersonKey(ctx, id); err != nil {
				return nil, err
			}
			res.Erased = append(res.Erased, id)
		}
	} else {
		res.KeysUnknown = true
	}
	// What lived in the blob store since the backup goes; the backup's
	// objects come back.
	for _, p := range blobPrefixes {
		if err := c.Blobs.DeletePrefix(ctx, p); err != nil {
			return nil, err
		}
	}
	if res.Blobs, err = regionarchive.RestoreBlobs(ctx, ds, m.Files, c.Blobs); err != nil {
		return nil, err
	}
	if m.Store == "sqlite" {
		if err := sqlite.Check(ctx, db); err != nil {
			return nil, err
		}
	}
	counts, err := db.TableCounts(ctx)
	if err != nil {
		return nil, err
	}
	for t, n := range m.Rows {
		if counts[t] != n {
			return nil, fmt.Errorf("after the restore %s holds %d rows, the manifest says %d", t, counts[t], n)
		}
	}
	if err := db.SetLogGeneration(ctx, res.Generation); err != nil {
		return nil, err
	}
	// People erased since the backup: hidden at once, erased again when
	// the region starts (their sealed fields already open no more).
	for _, id := range res.Erased {
		if _, err := c.Store.ProfileByID(ctx, id); errors.Is(err, kurz.ErrNotFound) {
			continue // a key without a person (a residency report's canary)
		} else if err != nil {
			return nil, err
		}
		if err := c.Privacy.EraseRestored(ctx, id); err != nil {
			return nil, err
		}
	}
	// The catalogue snapshot of the replaced database must not be loaded.
	if err := os.Remove(filepath.Join(dir, replication.SnapshotFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := keys.Checkpoint(ctx); err != nil {
		return nil, err
	}
	return res, db.Checkpoint(ctx)
}

// putSQLite replaces the region's database file with the backup's: the
// copy is written beside it and renamed over it after the old
// write-ahead log is gone (SQLite would otherwise apply it to the new
// file).
func putSQLite(ctx context.Context, ds blob.Store, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	obj, err := ds.Open(ctx, "kurz.db")
	if err != nil {
		return err
	}
	defer obj.Close()
	dst := filepath.Join(dir, "kurz.db")
	tmp := dst + ".restoring"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.ReadFrom(obj); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.Rename(tmp, dst)
}

// writeFileSync writes a small file with mode 0600 and syncs it.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
