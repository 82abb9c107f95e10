// Package regionarchive writes and reads the package that hands one region
// to another operator ("kurz region export" and "import"): the region's
// database tables, its key store, its KEK, its blobs and its configuration
// minus secrets, with a manifest of row counts and SHA-256 sums, sealed
// with age to the new operator's public key. Nothing of the archive is
// written to disk in plaintext on either side: the export streams tables
// and blobs into the sealed tar, and the import reads it twice (verify,
// then restore) rather than unpacking it.
//
// It also holds the layout of a backup ("kurz backup", backup.go): the
// same table format, unsealed, in a data target and a keys target apart.
//
// It imports the root package, blob and sqlstore; the commands in package
// app decide what goes in.
package regionarchive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"filippo.io/age"

	"kurz"
	"kurz/blob"
	"kurz/sqlstore"
)

// Format names this layout in the manifest.
const Format = "kurz-region-archive/1"

// partBytes bounds one table part in memory while exporting.
const partBytes = 16 << 20

// Manifest describes an archive. It is the last entry of the tar.
type Manifest struct {
	Format    string      `json:"format"`
	Region    kurz.Region `json:"region"`
	CreatedAt time.Time   `json:"created_at"`
	// Schema is the number of the last migration of the database.
	Schema int `json:"schema"`
	// Rows counts each table's rows; KeyRows the key store's wrapped keys.
	Rows    map[string]int64 `json:"rows"`
	KeyRows int64            `json:"key_rows"`
	Blobs   int64            `json:"blobs"`
	// BlobBytes is their total size.
	BlobBytes int64 `json:"blob_bytes"`
	// Positions is how far the region had applied each peer's log.
	Positions map[string]int64 `json:"peer_positions"`
	// LogHead is the region's own public log's last sequence number: the
	// peers carry on from their positions in it.
	LogHead int64 `json:"log_head"`
	// Handles are the handles the region's people hold in the directory.
	Handles []string `json:"handles"`
	// Files maps every other entry to its SHA-256 (hex).
	Files map[string]string `json:"files"`
}

// Source is what an export reads.
type Source struct {
	Region kurz.Region
	Schema int
	// DB is the region's database; Tables its tables to carry, parents
	// before children.
	DB     *sqlstore.DB
	Tables []string
	// Keys is the key store; KeyFile the KEK file's contents.
	Keys    *sqlstore.DB
	KeyFile []byte
	// Blobs and the key prefixes to carry.
	Blobs        blob.Store
	BlobPrefixes []string
	// Config is the region's link configuration, without secrets.
	Config    any
	Positions map[string]int64
	LogHead   int64
	Handles   []string
}

// sealedTar is a tar stream inside age, hashing each entry.
type sealedTar struct {
	tw *tar.Writer
	m  *Manifest
}

func (s *sealedTar) add(name string, b []byte) error {
	if err := s.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := s.tw.Write(b); err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	s.m.Files[name] = hex.EncodeToString(sum[:])
	return nil
}

func (s *sealedTar) addStream(name string, size int64, r io.Reader) error {
	if err := s.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(s.tw, h), r, size); err != nil {
		return err
	}
	s.m.Files[name] = hex.EncodeToString(h.Sum(nil))
	return nil
}

// Export writes src to w as a sealed archive for recipient and returns
// its manifest. Tables are read in one snapshot (the region may keep
// serving), then the key store (so every person in the tables has a key,
// unless erased meanwhile), then the blobs.
func Export(ctx context.Context, src Source, w io.Writer, recipient age.Recipient) (*Manifest, error) {
	m := &Manifest{Format: Format, Region: src.Region, CreatedAt: time.Now().UTC(), Schema: src.Schema, Rows: map[string]int64{},
		Positions: src.Positions, LogHead: src.LogHead, Handles: src.Handles, Files: map[string]string{}}
	aw, err := age.Encrypt(w, recipient)
	if err != nil {
		return nil, err
	}
	st := &sealedTar{tw: tar.NewWriter(aw), m: m}
	if err := dumpTables(ctx, st.add, "db", src.DB, src.Tables, m.Rows, nil); err != nil {
		return nil, err
	}
	keyRows := map[string]int64{}
	if err := dumpTables(ctx, st.add, "keys", src.Keys, []string{"person_keys"}, keyRows, nil); err != nil {
		return nil, err
	}
	m.KeyRows = keyRows["person_keys"]
	if err := st.add("keys/kek", src.KeyFile); err != nil {
		return nil, err
	}
	cfg, err := json.MarshalIndent(src.Config, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := st.add("config.json", cfg); err != nil {
		return nil, err
	}
	for _, p := range src.BlobPrefixes {
		list, err := src.Blobs.List(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("list blobs under %s: %w", p, err)
		}
		for _, info := range list {
			if err := exportBlob(ctx, st, src.Blobs, info.Key); err != nil {
				return nil, err
			}
			m.Blobs++
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := st.tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(mb)), Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := st.tw.Write(mb); err != nil {
		return nil, err
	}
	if err := st.tw.Close(); err != nil {
		return nil, err
	}
	return m, aw.Close()
}

func exportBlob(ctx context.Context, st *sealedTar, s blob.Store, key string) error {
	obj, err := s.Open(ctx, key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // deleted since it was listed
	}
	if err != nil {
		return fmt.Errorf("open blob %s: %w", key, err)
	}
	defer obj.Close()
	fi, err := obj.Stat()
	if err != nil {
		return err
	}
	st.m.BlobBytes += fi.Size()
	return st.addStream("blobs/"+key, fi.Size(), obj)
}

// dumpTables writes each table as parts of JSON lines through add: the
// first line the column names, then one array of values per row (bytes as
// {"b":base64}). seen, if set, is shown every row too.
func dumpTables(ctx context.Context, add func(name string, b []byte) error, dir string, db *sqlstore.DB, tables []string, counts map[string]int64,
	seen func(table string, cols []string, row []any)) error {
	var buf bytes.Buffer
	var cur string
	part := 0
	flush := func() error {
		if buf.Len() == 0 {
			return nil
		}
		part++
		err := add(fmt.Sprintf("%s/%s.%04d.jsonl", dir, cur, part), buf.Bytes())
		buf.Reset()
		return err
	}
	var header []byte
	err := db.Dump(ctx, tables, func(table string, cols []string, row []any) error {
		if table != cur {
			if err := flush(); err != nil {
				return err
			}
			cur, part = table, 0
		}
		if seen != nil {
			seen(table, cols, row)
		}
		if buf.Len() == 0 {
			header, _ = json.Marshal(cols)
			buf.Write(header)
			buf.WriteByte('\n')
		}
		out := make([]any, len(row))
		for i, v := range row {
			if b, ok := v.([]byte); ok {
				out[i] = map[string]string{"b": base64.StdEncoding.EncodeToString(b)}
			} else {
				out[i] = v
			}
		}
		line, err := json.Marshal(out)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
		counts[table]++
		if buf.Len() > partBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, ok := counts[t]; !ok {
			counts[t] = 0
		}
	}
	return flush()
}

// ErrVerify means the archive does not match its manifest.
var ErrVerify = errors.New("regionarchive: the archive does not match its manifest")

// Verify reads a sealed archive through and checks every entry against
// the manifest (sums, and row counts of the table parts). It returns the
// manifest and the KEK file's contents (kept in memory only).
func Verify(r io.Reader, id age.Identity) (*Manifest, []byte, error) {
	ar, err := age.Decrypt(r, id)
	if err != nil {
		return nil, nil, fmt.Errorf("regionarchive: cannot open the archive with this identity: %w", err)
	}
	tr := tar.NewReader(bufio.NewReaderSize(ar, 1<<16))
	sums := map[string]string{}
	rows := map[string]int64{}
	var m *Manifest
	var kek []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrVerify, err)
		}
		if h.Name == "manifest.json" {
			m = &Manifest{}
			if err := json.NewDecoder(tr).Decode(m); err != nil {
				return nil, nil, fmt.Errorf("%w: manifest: %v", ErrVerify, err)
			}
			continue
		}
		if m != nil {
			return nil, nil, fmt.Errorf("%w: entries after the manifest", ErrVerify)
		}
		var hs hash.Hash = sha256.New()
		var counter lineCounter
		var kb bytes.Buffer
		dst := io.Writer(hs)
		if strings.HasSuffix(h.Name, ".jsonl") {
			dst = io.MultiWriter(hs, &counter)
		} else if h.Name == "keys/kek" && h.Size < 4096 {
			dst = io.MultiWriter(hs, &kb)
		}
		if _, err := io.Copy(dst, tr); err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %v", ErrVerify, h.Name, err)
		}
		sums[h.Name] = hex.EncodeToString(hs.Sum(nil))
		if h.Name == "keys/kek" {
			kek = kb.Bytes()
		}
		if strings.HasSuffix(h.Name, ".jsonl") {
			rows[tableOf(h.Name)] += counter.n - 1 // the column line
		}
	}
	if m == nil || m.Format != Format {
		return nil, nil, fmt.Errorf("%w: no manifest of format %s", ErrVerify, Format)
	}
	if len(sums) != len(m.Files) {
		return nil, nil, fmt.Errorf("%w: %d entries, the manifest lists %d", ErrVerify, len(sums), len(m.Files))
	}
	for name, sum := range m.Files {
		if sums[name] != sum {
			return nil, nil, fmt.Errorf("%w: %s", ErrVerify, name)
		}
	}
	for t, n := range m.Rows {
		if rows["db/"+t] != n {
			return nil, nil, fmt.Errorf("%w: table %s holds %d rows, the manifest says %d", ErrVerify, t, rows["db/"+t], n)
		}
	}
	if rows["keys/person_keys"] != m.KeyRows {
		return nil, nil, fmt.Errorf("%w: %d keys, the manifest says %d", ErrVerify, rows["keys/person_keys"], m.KeyRows)
	}
	return m, kek, nil
}

type lineCounter struct{ n int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// tableOf turns "db/videos.0001.jsonl" into "db/videos".
func tableOf(name string) string {
	dir, file := path.Split(name)
	base, _, _ := strings.Cut(file, ".")
	return dir + base
}

// Target is where an import restores to: fresh, empty stores.
type Target struct {
	DB, Keys *sqlstore.DB
	Blobs    blob.Store
	// Skip names tables left out (sessions, for a forced sign-in).
	Skip map[string]bool
	// Tables is the set of tables the archive may fill (the kurz tables
	// of this binary); anything else in it is refused.
	Tables []string
}

// Restore reads a verified archive again and restores it into t.
func Restore(ctx context.Context, r io.Reader, id age.Identity, t Target) error {
	ar, err := age.Decrypt(r, id)
	if err != nil {
		return err
	}
	tr := tar.NewReader(bufio.NewReaderSize(ar, 1<<16))
	allowed := map[string]bool{}
	for _, tb := range t.Tables {
		allowed[tb] = true
	}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch dir, _, _ := strings.Cut(h.Name, "/"); {
		case h.Name == "manifest.json" || h.Name == "config.json" || h.Name == "keys/kek":
			// The KEK came with Verify; it is never written here.
		case dir == "db" || dir == "keys":
			table := strings.TrimPrefix(tableOf(h.Name), dir+"/")
			db := t.DB
			if dir == "keys" {
				db = t.Keys
				if table != "person_keys" {
					return fmt.Errorf("regionarchive: unexpected key store table %q", table)
				}
			} else if !allowed[table] {
				return fmt.Errorf("regionarchive: the archive holds table %q, which this version does not know", table)
			} else if t.Skip[table] {
				continue
			}
			if err := restoreTable(ctx, db, table, tr); err != nil {
				return err
			}
		case dir == "blobs":
			key := strings.TrimPrefix(h.Name, "blobs/")
			if err := blob.CheckKey(key); err != nil {
				return fmt.Errorf("regionarchive: blob %q: %w", key, err)
			}
			if err := t.Blobs.Put(ctx, key, io.LimitReader(tr, h.Size)); err != nil {
				return fmt.Errorf("restore blob %s: %w", key, err)
			}
		default:
			return fmt.Errorf("regionarchive: unexpected entry %q", h.Name)
		}
	}
	if err := t.DB.AfterRestore(ctx); err != nil {
		return err
	}
	return nil
}

func restoreTable(ctx context.Context, db *sqlstore.DB, table string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	if !sc.Scan() {
		return fmt.Errorf("regionarchive: %s: no column line", table)
	}
	var cols []string
	if err := json.Unmarshal(sc.Bytes(), &cols); err != nil {
		return fmt.Errorf("regionarchive: %s: %w", table, err)
	}
	for _, c := range cols {
		if !isIdent(c) {
			return fmt.Errorf("regionarchive: %s: bad column %q", table, c)
		}
	}
	var batch [][]any
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var raw []any
		if err := dec.Decode(&raw); err != nil || len(raw) != len(cols) {
			return fmt.Errorf("regionarchive: %s: bad row", table)
		}
		for i, v := range raw {
			switch x := v.(type) {
			case json.Number:
				if n, err := x.Int64(); err == nil {
					raw[i] = n
				} else if f, err := x.Float64(); err == nil {
					raw[i] = f
				} else {
					return fmt.Errorf("regionarchive: %s: bad number", table)
				}
			case map[string]any:
				s, _ := x["b"].(string)
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return fmt.Errorf("regionarchive: %s: bad bytes", table)
				}
				raw[i] = b
			}
		}
		batch = append(batch, raw)
		if len(batch) == 1000 {
			if err := db.Restore(ctx, table, cols, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return db.Restore(ctx, table, cols, batch)
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// SortedTables returns names in a stable order (for listings).
func SortedTables(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
