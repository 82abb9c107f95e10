package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"filippo.io/age"

	"kurz"
	"kurz/keyring"
	"kurz/region"
	"kurz/regionarchive"
	"kurz/replication"
	"kurz/sqlstore"
)

// Splitting a region off (see README, "Splitting off a region"): export
// it as a sealed archive, import it on the new operator's machines, and
// either re-peer the remaining regions with it under a new link secret or
// detach them from it.
//
// What the archive carries and what not:
//   - every table of the region's database except replicas (other
//     regions' public objects: none of anyone else's data), log_positions
//     (the new region re-reads its peers' logs from the start, which
//     rebuilds the replicas) and the directory's tables (a directory
//     region moves its directory to a region that stays first, see
//     directory.go; an export of a region holding live claims is refused);
//   - the key store's wrapped data keys and the KEK (sealed in the
//     archive only; the import re-wraps every key under a fresh KEK at
//     once, keeping the blind-index key so email sign-in keeps working);
//   - the blobs: media, kept originals, exports, uploads in flight;
//   - the region's public log with its sequence numbers, so the peers
//     carry on from their positions in it without duplicates or gaps;
//   - the link configuration without secrets, the peers' positions and
//     the handles its people hold (in the manifest).
//
// The job queue's tables are not carried: work in flight is taken back
// from the tables at start (transcodes by pipeline.Recover, erasures and
// retention by the privacy sweep); a data export being built when the
// archive is made is lost and can be asked for again.

// excluded are the tables a region archive never carries.
var excluded = map[string]bool{"replicas": true, "log_positions": true, "peer_generations": true, "handle_claims": true, "email_claims": true,
	"directory_state": true}

// blobPrefixes are the blob keys a region archive carries.
var blobPrefixes = []string{"media", "originals", "exports", "uploads"}

// ArchiveTables lists the tables a region archive carries, parents before
// children (the order the migrations create them in).
func ArchiveTables() ([]string, int, error) {
	all, schema, err := allTables()
	if err != nil {
		return nil, 0, err
	}
	var out []string
	for _, t := range all {
		if !excluded[t] {
			out = append(out, t)
		}
	}
	return out, schema, nil
}

// ExportConfig is the link configuration an archive carries: no secrets.
type ExportConfig struct {
	Region    kurz.Region            `json:"region"`
	Regions   []kurz.Region          `json:"regions"`
	Directory kurz.Region            `json:"directory"`
	Countries map[string]kurz.Region `json:"countries"`
	Peers     map[kurz.Region]string `json:"peers"`
}

// ExportRegion writes region c as an archive sealed to recipient (an age
// public key, "age1…"). The region may keep serving meanwhile.
func ExportRegion(ctx context.Context, cfg Config, c *region.Region, w io.Writer, recipient string) (*regionarchive.Manifest, error) {
	rcp, err := age.ParseX25519Recipient(strings.TrimSpace(recipient))
	if err != nil {
		return nil, fmt.Errorf("--recipient: %w", err)
	}
	tables, schema, err := ArchiveTables()
	if err != nil {
		return nil, err
	}
	db, ok1 := c.Store.(*sqlstore.DB)
	keys, ok2 := c.KeyStore.(*sqlstore.DB)
	if !ok1 || !ok2 {
		return nil, errors.New("region export: the stores cannot be read table by table")
	}
	if err := notDirectory(ctx, db, c.Region); err != nil {
		return nil, err
	}
	keyFile, err := kekFile(cfg, c.Region)
	if err != nil {
		return nil, err
	}
	src := regionarchive.Source{Region: c.Region, Schema: schema, DB: db, Tables: tables, Keys: keys, KeyFile: keyFile,
		Blobs: c.Blobs, BlobPrefixes: blobPrefixes, Positions: map[string]int64{}}
	ec := ExportConfig{Region: c.Region, Regions: cfg.AllRegions(), Directory: cfg.Directory, Countries: map[string]kurz.Region{}, Peers: map[kurz.Region]string{}}
	for country, r := range cfg.Residency.Countries {
		if r == c.Region {
			ec.Countries[country] = r
		}
	}
	for r, u := range cfg.Peers {
		ec.Peers[r] = u
	}
	src.Config = ec
	for _, r := range cfg.AllRegions() {
		if r != c.Region {
			if src.Positions[string(r)], err = c.Store.LogPosition(ctx, r); err != nil {
				return nil, err
			}
		}
	}
	if src.LogHead, err = c.Store.LastLogSeq(ctx); err != nil {
		return nil, err
	}
	for after := ""; ; {
		ps, err := c.Store.Profiles(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			break
		}
		for _, p := range ps {
			src.Handles = append(src.Handles, p.Handle)
		}
		after = ps[len(ps)-1].ID
	}
	return regionarchive.Export(ctx, src, w, rcp)
}

// notDirectory refuses to export the handle directory. What decides is
// what the region holds, whatever the flags of the command say: a region
// holding claims that did not move away is the directory.
func notDirectory(ctx context.Context, db *sqlstore.DB, r kurz.Region) error {
	st, err := db.DirectoryState(ctx)
	if err != nil {
		return err
	}
	if st.MovedTo == "" && st.HandleClaims+st.EmailClaims > 0 {
		return fmt.Errorf("region %s is the handle directory (it holds %d handle claims): move the directory to a region that stays first (kurz directory export --region %s --to R --out …; see README, \"Splitting off a region\")",
			r, st.HandleClaims, r)
	}
	return nil
}

// kekFile is the region's KEK as a key file's contents.
func kekFile(cfg Config, r kurz.Region) ([]byte, error) {
	if cfg.KEK[r] != "" {
		return []byte(cfg.KEK[r] + "\n"), nil
	}
	m := &Main{Config: cfg}
	path := filepath.Join(m.keysDir(r), "kek")
	if _, err := os.Stat(path + ".next"); err == nil {
		return nil, fmt.Errorf("a KEK rotation of %s is under way: run kurz keys rotate --region %s to its end first", r, r)
	}
	return os.ReadFile(path)
}

// ImportOptions are the choices of an import.
type ImportOptions struct {
	// ForceRelogin leaves the sessions out: everyone signs in again.
	ForceRelogin bool
}

// ImportRegion verifies a sealed archive of region r (read twice through
// open) and restores it into fresh stores of cfg: the database (SQLite in
// the data folder, or cfg.DB[r]), the key store, the blobs. The data keys
// are re-wrapped under a fresh KEK: the seller's copy of the old one opens
// nothing of the new region's key store. It returns the manifest.
func ImportRegion(ctx context.Context, cfg Config, r kurz.Region, open func() (io.ReadCloser, error), identity string, opt ImportOptions) (*regionarchive.Manifest, error) {
	ids, err := age.ParseIdentities(strings.NewReader(identity))
	if err != nil {
		return nil, fmt.Errorf("--identity: %w", err)
	}
	if cfg.KEK[r] != "" {
		return nil, fmt.Errorf("import makes the region's KEK file itself; do not give KURZ_KEK_%s", upper(string(r)))
	}
	f, err := open()
	if err != nil {
		return nil, err
	}
	man, oldKEK, err := regionarchive.Verify(f, ids[0])
	f.Close()
	if err != nil {
		return nil, err
	}
	tables, schema, err := ArchiveTables()
	if err != nil {
		return nil, err
	}
	switch {
	case man.Region != r:
		return nil, fmt.Errorf("the archive holds region %s, not %s", man.Region, r)
	case man.Schema != schema:
		return nil, fmt.Errorf("the archive was made by a kurz with schema %d, this one has %d: import with the same version", man.Schema, schema)
	case oldKEK == nil:
		return nil, errors.New("the archive holds no KEK")
	}
	m := &Main{Config: cfg}
	dir := filepath.Join(cfg.DataDir, string(r))
	keysDir := m.keysDir(r)
	if cfg.DB[r] == "" && exists(filepath.Join(dir, "kurz.db")) {
		return nil, fmt.Errorf("%s already holds a database: import into a fresh data folder", dir)
	}
	if exists(filepath.Join(keysDir, "kek")) || (cfg.KeyDB[r] == "" && exists(filepath.Join(keysDir, "keys.db"))) {
		return nil, fmt.Errorf("%s already holds keys: import into a fresh keys folder", keysDir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	// The new KEK, carrying the blind-index key on.
	if err := keyring.CreateSuccessor(filepath.Join(keysDir, "kek"), oldKEK, rand.Reader); err != nil {
		return nil, err
	}
	rc := m.offlineRegionConfig(r)
	rc.Migrate = sqlstore.MigrateAll
	c, err := region.Open(ctx, rc)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	db, ok1 := c.Store.(*sqlstore.DB)
	keys, ok2 := c.KeyStore.(*sqlstore.DB)
	if !ok1 || !ok2 {
		return nil, errors.New("region import: the stores cannot be written table by table")
	}
	if n, err := c.Store.TableCounts(ctx); err != nil {
		return nil, err
	} else if n["profiles"] > 0 || n["public_log"] > 0 {
		return nil, fmt.Errorf("region %s's database is not empty: import into a fresh database", r)
	}
	skip := map[string]bool{}
	if opt.ForceRelogin {
		skip["sessions"] = true
	}
	f, err = open()
	if err != nil {
		return nil, err
	}
	err = regionarchive.Restore(ctx, f, ids[0], regionarchive.Target{DB: db, Keys: keys, Blobs: c.Blobs, Tables: tables, Skip: skip})
	f.Close()
	if err != nil {
		return nil, err
	}
	res, err := keyring.RewrapFrom(ctx, oldKEK, c.Keys, keys)
	if err != nil {
		return nil, err
	}
	if res.Unopenable > 0 {
		return nil, fmt.Errorf("%d data keys of the archive do not open with its KEK", res.Unopenable)
	}
	counts, err := c.Store.TableCounts(ctx)
	if err != nil {
		return nil, err
	}
	for t, n := range man.Rows {
		if skip[t] {
			continue
		}
		if counts[t] != n {
			return nil, fmt.Errorf("after the import %s holds %d rows, the manifest says %d", t, counts[t], n)
		}
	}
	if err := c.KeyStore.Checkpoint(ctx); err != nil {
		return nil, err
	}
	return man, c.Store.Checkpoint(ctx)
}

// DetachResult counts what a detach removed: rows by kind (replicas,
// comments, follows, likes, views, deltas, handle_claims, email_claims,
// notices) and files (edge copies, the catalogue snapshot).
type DetachResult struct {
	Rows  map[string]int64 `json:"rows"`
	Files int              `json:"files"`
}

var regionRE = regexp.MustCompile(`^[a-z]{2,8}$`)

// DetachRegion makes region c forget region gone (run with c's server
// stopped, then start it without gone as a peer): gone's replicas and this
// region's position in its log, copies of its media in the edge cache,
// its people's handle and email claims (when c is the directory), the
// follows, likes and views of gone's people and videos by c's people,
// counter deltas on their way to gone, notices c's people filed about
// gone's content (gone's queue decides them no more), and the comments gone's people wrote on c's videos (their home
// region can no longer answer for them: an erasure could not reach them).
// The counters of the videos they were on are put right.
func DetachRegion(ctx context.Context, cfg Config, c *region.Region, gone kurz.Region) (*DetachResult, error) {
	if gone == c.Region || !regionRE.MatchString(string(gone)) {
		return nil, fmt.Errorf("cannot detach %q from %s", gone, c.Region)
	}
	db, ok := c.Store.(*sqlstore.DB)
	if !ok {
		return nil, errors.New("region detach: the store cannot be changed table by table")
	}
	// The region's server must be stopped: its catalogue and edge cache
	// would keep what is removed here.
	lock, err := lockDir(filepath.Join(cfg.DataDir, string(c.Region)))
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	replicas, err := c.Replication.Drop(ctx, gone)
	if err != nil {
		return nil, err
	}
	rows, videos, people, err := db.DetachRegion(ctx, gone)
	if err != nil {
		return nil, err
	}
	rows["replicas"] = replicas
	res := &DetachResult{Rows: rows}
	// Every video a removed comment was on publishes its new count.
	for _, id := range videos {
		err := c.Tx(ctx, func(q kurz.Queries) error {
			v, err := q.VideoByID(ctx, id)
			if err != nil {
				return err
			}
			return c.Outbox.SyncVideoLog(ctx, q, v)
		})
		if err != nil && kurz.ErrorCode(err) != kurz.ENotFound {
			return nil, err
		}
	}
	// So does every profile that lost follows.
	for _, id := range people {
		err := c.Tx(ctx, func(q kurz.Queries) error {
			p, err := q.ProfileByID(ctx, id)
			if err != nil {
				return err
			}
			return c.Outbox.PublishProfile(ctx, q, p)
		})
		if err != nil && kurz.ErrorCode(err) != kurz.ENotFound {
			return nil, err
		}
	}
	// Edge copies live in the folder of the process's first region.
	for _, r := range cfg.Regions {
		matches, _ := filepath.Glob(filepath.Join(cfg.DataDir, string(r), "edge", string(gone)+"_*"))
		for _, p := range matches {
			if err := os.RemoveAll(p); err != nil {
				return nil, err
			}
			res.Files++
		}
	}
	// The catalogue snapshot holds gone's public objects too.
	if err := os.Remove(filepath.Join(cfg.DataDir, string(c.Region), replication.SnapshotFile)); err == nil {
		res.Files++
	}
	return res, c.Store.Checkpoint(ctx)
}

// ArchiveName is the name of region r's archive in its target.
func ArchiveName(r kurz.Region) string { return "kurz-region-" + string(r) + ".age" }

// archiveLocation names the archive at target for output: a path, or
// s3://bucket/prefix/name without the query (no credentials are ever in
// the URL: they come from the environment, as for backups).
func archiveLocation(target, name string) string {
	if u, err := url.Parse(target); err == nil && u.Scheme == "s3" {
		u.RawQuery, u.User = "", nil
		u.Path = path.Join("/", u.Path, name)
		return u.String()
	}
	return filepath.Join(target, name)
}

// ExportRegionTo writes the archive of region c into out, a folder (made
// if missing) or s3://bucket/prefix?endpoint=…&region=… (the target of a
// backup, credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY),
// as kurz-region-<r>.age. The sealed archive is streamed: into a
// temporary file renamed when whole, or to S3 as a multipart upload
// completed when whole (aborted if the export fails), so no one finds half
// an archive. A target that holds one already is refused. It returns the
// manifest and where the archive is.
func ExportRegionTo(ctx context.Context, cfg Config, c *region.Region, out, recipient string) (*regionarchive.Manifest, string, error) {
	if out == "" {
		return nil, "", errors.New("--out: give a folder or s3://bucket/prefix for the archive")
	}
	if _, err := age.ParseX25519Recipient(strings.TrimSpace(recipient)); err != nil {
		return nil, "", fmt.Errorf("--recipient: %w", err)
	}
	if db, ok := c.Store.(*sqlstore.DB); ok {
		if err := notDirectory(ctx, db, c.Region); err != nil {
			return nil, "", err // before the target is touched
		}
	}
	store, _, err := TargetPath(out, true)
	if err != nil {
		return nil, "", fmt.Errorf("--out: %w", err)
	}
	name := ArchiveName(c.Region)
	where := archiveLocation(out, name)
	if _, err := store.Stat(ctx, name); err == nil {
		return nil, "", fmt.Errorf("%s exists already: give another target", where)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("--out: %w", err)
	}
	pr, pw := io.Pipe()
	put := make(chan error, 1)
	go func() {
		err := store.Put(ctx, name, pr)
		pr.CloseWithError(err) // a failed upload stops the export's writes
		put <- err
	}()
	m, err := ExportRegion(ctx, cfg, c, pw, recipient)
	if err != nil {
		pw.CloseWithError(err) // the upload is given up, never completed
	} else {
		pw.Close()
	}
	if perr := <-put; err == nil && perr != nil {
		err = fmt.Errorf("write %s: %w", where, perr)
	}
	if err != nil {
		return nil, "", err
	}
	return m, where, nil
}

// OpenArchive opens region r's archive at in: a file, a folder holding
// kurz-region-<r>.age, or s3://bucket/prefix?… holding it. An import
// reads it twice (verify, then restore); each read goes through the one
// object opened here (from S3, every ranged read pinned to the version
// seen at the start), so the second read sees the bytes the first
// verified. Close it when done.
func OpenArchive(ctx context.Context, in string, r kurz.Region) (io.ReadSeekCloser, error) {
	if in == "" {
		return nil, errors.New("--in: give the archive, its folder or s3://bucket/prefix")
	}
	if strings.HasPrefix(in, "s3://") {
		store, _, err := TargetPath(in, false)
		if err != nil {
			return nil, fmt.Errorf("--in: %w", err)
		}
		obj, err := store.Open(ctx, ArchiveName(r))
		if err != nil {
			return nil, fmt.Errorf("--in %s: %w", archiveLocation(in, ArchiveName(r)), err)
		}
		return obj, nil
	}
	if strings.Contains(in, "://") {
		return nil, fmt.Errorf("--in %q: give a file, a folder or s3://bucket/prefix", in)
	}
	if fi, err := os.Stat(in); err == nil && fi.IsDir() {
		in = filepath.Join(in, ArchiveName(r))
	}
	return os.Open(in)
}
