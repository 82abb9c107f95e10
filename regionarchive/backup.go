package regionarchive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"

	"kurz"
	"kurz/blob"
	"kurz/sqlstore"
)

// A backup ("kurz backup") is two targets, each a folder or an object
// store prefix seen as a blob.Store: the data target holds the database
// (a SQLite file made by VACUUM INTO, or PostgreSQL's tables as parts of
// JSON lines in the archive's table format), the blobs under blobs/ and
// manifest.json; the keys target holds the key store's wrapped data keys
// (table parts) and the KEK, with keys.json. Each manifest is written
// last and lists the SHA-256 of every other entry, so a target without
// one is an unfinished backup. Both carry the same random ID, so a
// restore cannot pair the data of one backup with the keys of another.
//
// Unlike a region archive, a backup is not sealed as a whole: the
// database and blobs are copied as they are at rest (personal fields and
// non-public media sealed under each person's data key), and those keys
// live only in the keys target, which the operator keeps apart.

// BackupFormat and KeysFormat name the two layouts in their manifests.
const (
	BackupFormat = "kurz-backup/1"
	KeysFormat   = "kurz-backup-keys/1"
)

// ManifestName and KeysManifestName are the manifests' keys.
const (
	ManifestName     = "manifest.json"
	KeysManifestName = "keys.json"
)

// BackupManifest describes a backup's data target.
type BackupManifest struct {
	Format    string      `json:"format"`
	ID        string      `json:"id"`
	Region    kurz.Region `json:"region"`
	CreatedAt time.Time   `json:"created_at"`
	// Schema is the number of the database's last migration.
	Schema int `json:"schema"`
	// Store is "sqlite" (the file kurz.db) or "postgres" (db/ parts).
	Store string `json:"store"`
	// Generation is the region's log generation when the backup was
	// taken; a restore gives the region a new one.
	Generation string            `json:"generation"`
	LogHead    int64             `json:"log_head"`
	Rows       map[string]int64  `json:"rows"`
	Blobs      int64             `json:"blobs"`
	BlobBytes  int64             `json:"blob_bytes"`
	Files      map[string]string `json:"files"`
}

// KeysManifest describes a backup's keys target.
type KeysManifest struct {
	Format    string            `json:"format"`
	ID        string            `json:"id"`
	Region    kurz.Region       `json:"region"`
	CreatedAt time.Time         `json:"created_at"`
	KeyRows   int64             `json:"key_rows"`
	Files     map[string]string `json:"files"`
}

// BackupTarget is one target of a backup being written or read.
type BackupTarget struct {
	Store blob.Store
	// Files maps each entry written to its SHA-256 (hex).
	Files map[string]string
}

// NewBackupTarget returns a target on s, refusing one that holds a backup
// already (a manifest of either kind).
func NewBackupTarget(ctx context.Context, s blob.Store) (*BackupTarget, error) {
	for _, name := range []string{ManifestName, KeysManifestName} {
		if _, err := s.Stat(ctx, name); err == nil {
			return nil, fmt.Errorf("the target holds a backup already (%s): give an empty one", name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return &BackupTarget{Store: s, Files: map[string]string{}}, nil
}

// hashReader hashes and counts what is read through it.
type hashReader struct {
	r io.Reader
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// Put writes an entry from r and returns its size.
func (t *BackupTarget) Put(ctx context.Context, name string, r io.Reader) (int64, error) {
	if err := blob.CheckKey(name); err != nil {
		return 0, fmt.Errorf("backup entry %q: %w", name, err)
	}
	hr := &hashReader{r: r, h: sha256.New()}
	if err := t.Store.Put(ctx, name, hr); err != nil {
		return 0, fmt.Errorf("write %s: %w", name, err)
	}
	t.Files[name] = hex.EncodeToString(hr.h.Sum(nil))
	return hr.n, nil
}

// DumpTables writes tables of db into the target as parts under dir (the
// archive's table format), read in one snapshot; seen, if set, is shown
// every row. It returns each table's row count.
func (t *BackupTarget) DumpTables(ctx context.Context, dir string, db *sqlstore.DB, tables []string, seen func(table string, cols []string, row []any)) (map[string]int64, error) {
	counts := map[string]int64{}
	add := func(name string, b []byte) error {
		_, err := t.Put(ctx, name, bytes.NewReader(b))
		return err
	}
	return counts, dumpTables(ctx, add, dir, db, tables, counts, seen)
}

// CopyBlobs copies every object under prefixes of s to blobs/<key> and
// returns their count and size. An object deleted since it was listed is
// skipped.
func (t *BackupTarget) CopyBlobs(ctx context.Context, s blob.Store, prefixes []string) (n, size int64, err error) {
	for _, p := range prefixes {
		list, err := s.List(ctx, p)
		if err != nil {
			return n, size, fmt.Errorf("list blobs under %s: %w", p, err)
		}
		for _, info := range list {
			obj, err := s.Open(ctx, info.Key)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return n, size, fmt.Errorf("open blob %s: %w", info.Key, err)
			}
			w, err := t.Put(ctx, "blobs/"+info.Key, obj)
			obj.Close()
			if err != nil {
				return n, size, err
			}
			n++
			size += w
		}
	}
	return n, size, nil
}

// Finish writes the manifest m (a *BackupManifest or *KeysManifest) as
// name, last.
func (t *BackupTarget) Finish(ctx context.Context, name string, m any) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return t.Store.Put(ctx, name, bytes.NewReader(b))
}

// ReadManifest reads a target's manifest name into m.
func ReadManifest(ctx context.Context, s blob.Store, name string, m any) error {
	b, err := blob.Read(ctx, s, name)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no %s: not a finished backup target", name)
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// VerifyFiles reads every entry of files from s and checks its SHA-256.
func VerifyFiles(ctx context.Context, s blob.Store, files map[string]string) error {
	for _, name := range sortedKeys(files) {
		if err := blob.CheckKey(name); err != nil {
			return fmt.Errorf("%w: bad entry %q", ErrVerify, name)
		}
		obj, err := s.Open(ctx, name)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrVerify, name, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, obj)
		obj.Close()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrVerify, name, err)
		}
		if hex.EncodeToString(h.Sum(nil)) != files[name] {
			return fmt.Errorf("%w: %s differs from its sum", ErrVerify, name)
		}
	}
	return nil
}

// RestoreTables restores the table parts under dir listed in files into
// db (fresh tables), parents before children in the order of tables;
// a part of a table not in tables is refused.
func RestoreTables(ctx context.Context, s blob.Store, files map[string]string, dir string, db *sqlstore.DB, tables []string) error {
	if err := restoreParts(ctx, s, files, dir, db, tables); err != nil {
		return err
	}
	return db.AfterRestore(ctx)
}

// restoreParts is RestoreTables without moving the sequences on (tables
// without any, in a database that may be serving).
func restoreParts(ctx context.Context, s blob.Store, files map[string]string, dir string, db *sqlstore.DB, tables []string) error {
	order := map[string]int{}
	for i, t := range tables {
		order[t] = i
	}
	var parts []string
	for name := range files {
		if strings.HasPrefix(name, dir+"/") && strings.HasSuffix(name, ".jsonl") {
			table := strings.TrimPrefix(tableOf(name), dir+"/")
			if _, ok := order[table]; !ok {
				return fmt.Errorf("regionarchive: the backup holds table %q, which this version does not know", table)
			}
			parts = append(parts, name)
		}
	}
	sort.Slice(parts, func(i, j int) bool {
		ti, tj := strings.TrimPrefix(tableOf(parts[i]), dir+"/"), strings.TrimPrefix(tableOf(parts[j]), dir+"/")
		if ti != tj {
			return order[ti] < order[tj]
		}
		return parts[i] < parts[j]
	})
	for _, name := range parts {
		obj, err := s.Open(ctx, name)
		if err != nil {
			return err
		}
		err = restoreTable(ctx, db, strings.TrimPrefix(tableOf(name), dir+"/"), obj)
		obj.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// RestoreBlobs puts every blobs/<key> entry of files from s into dst.
func RestoreBlobs(ctx context.Context, s blob.Store, files map[string]string, dst blob.Store) (int64, error) {
	var n int64
	for _, name := range sortedKeys(files) {
		key, ok := strings.CutPrefix(name, "blobs/")
		if !ok {
			continue
		}
		if err := blob.CheckKey(key); err != nil {
			return n, fmt.Errorf("regionarchive: blob %q: %w", key, err)
		}
		obj, err := s.Open(ctx, name)
		if err != nil {
			return n, err
		}
		err = dst.Put(ctx, key, obj)
		obj.Close()
		if err != nil {
			return n, fmt.Errorf("restore blob %s: %w", key, err)
		}
		n++
	}
	return n, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
