package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"kurz"
	"kurz/region"
	"kurz/regionarchive"
	"kurz/sqlstore"
	"kurz/sqlstore/regionops"
)

// Moving the handle directory to another region (see README, "Splitting
// off a region", and ARCHITECTURE.md): the directory region decides every
// claim of a handle or an email, so before it can be split off the
// directory moves to a region that stays.
//
//  1. "kurz directory export --region us --to eu --out DIR|s3://…", beside
//     the serving us: us's directory is frozen first (sqlstore.MoveDirectory:
//     the claims under way finish, every later claim and release is
//     refused, so sign-ups everywhere answer 503 for the length of the
//     move), then its handle claims are copied in one snapshot.
//  2. "kurz directory import --region eu --in DIR|s3://…", beside the
//     serving eu (not the directory yet, so it decides no claim): the sums
//     are checked, eu's claim tables made ready (a copy of a directory
//     that once moved away from eu is dropped) and filled.
//  3. Every region restarts with --directory eu, eu first. Sign-ups work
//     again wherever the new directory is known; a region still pointing
//     at us is refused by us until it restarts.
//
// What moves and what does not: the handle claims are public (a handle,
// its look-alike key, a public ID, a time) and move. The email claims do
// not: each is the old directory's own keyed hash of an email locator
// (class regional-operational, keyed by us's blind-index key), which only
// us's keys could compute again, and that key must not leave us. The new
// directory starts without them. They guard only against two sign-ups with
// one email racing each other: every sign-up first asks every region
// whether it holds the email (accounts.LocateEmail), which finds every
// account made before the move; and no sign-up can claim anything while
// the directory is frozen. Releases of claims (erasures) are retried jobs
// that go to the directory of the moment they run, so one queued before
// the move reaches the new directory.

// ExportDirectory freezes region c's handle directory and writes its
// handle claims to out (a folder or s3://bucket/prefix?…) for region to.
// It may run again with the same to (another target); the directory stays
// frozen.
func ExportDirectory(ctx context.Context, cfg Config, c *region.Region, to kurz.Region, out string) (*regionarchive.DirectoryManifest, error) {
	if to == c.Region || !regionRE.MatchString(string(to)) {
		return nil, fmt.Errorf("--to: name the region the directory moves to (not %q)", to)
	}
	db, ok := c.Store.(*sqlstore.DB)
	if !ok {
		return nil, errors.New("directory export: the store cannot be read table by table")
	}
	if out == "" {
		return nil, errors.New("--out: name a folder or s3://bucket/prefix for the directory archive")
	}
	st, err := db.DirectoryState(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case st.MovedTo != "" && st.MovedTo != to:
		return nil, fmt.Errorf("region %s's directory moved to %s already", c.Region, st.MovedTo)
	case st.MovedTo == "" && st.HandleClaims == 0:
		return nil, fmt.Errorf("region %s holds no handle claims: it is not the handle directory (run this where --directory points)", c.Region)
	}
	store, _, err := TargetPath(out, true)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	dt, err := regionarchive.NewDirectoryTarget(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	_, schema, err := allTables()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if err := db.MoveDirectory(ctx, to, now); err != nil {
		return nil, err
	}
	// The snapshot starts after the freeze: every claim that succeeded is
	// in it, and none can follow.
	rows, err := dt.DumpTables(ctx, "db", db, regionarchive.DirectoryTables, nil)
	if err != nil {
		return nil, err
	}
	m := &regionarchive.DirectoryManifest{Format: regionarchive.DirectoryFormat, ID: regionops.NewGeneration(), From: c.Region, To: to,
		CreatedAt: now, Schema: schema, Rows: rows, Files: dt.Files}
	return m, dt.Finish(ctx, regionarchive.DirectoryManifestName, m)
}

// ImportDirectory checks the directory archive at in and restores its
// claims into region c, which becomes the directory once every region
// runs with --directory c. c may be serving meanwhile.
func ImportDirectory(ctx context.Context, cfg Config, c *region.Region, in string) (*regionarchive.DirectoryManifest, error) {
	if in == "" {
		return nil, errors.New("--in: name the folder or s3://bucket/prefix the directory was exported to")
	}
	db, ok := c.Store.(*sqlstore.DB)
	if !ok {
		return nil, errors.New("directory import: the store cannot be written table by table")
	}
	store, _, err := TargetPath(in, false)
	if err != nil {
		return nil, fmt.Errorf("--in: %w", err)
	}
	m, err := regionarchive.ReadDirectory(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("--in: %w", err)
	}
	_, schema, err := allTables()
	if err != nil {
		return nil, err
	}
	switch {
	case m.To != c.Region:
		return nil, fmt.Errorf("the directory archive is for region %s, not %s", m.To, c.Region)
	case m.Schema != schema:
		return nil, fmt.Errorf("the directory archive was made by a kurz with schema %d, this one has %d: import with the same version", m.Schema, schema)
	}
	if err := db.ReceiveDirectory(ctx, m.ID); err != nil {
		return nil, err
	}
	if err := regionarchive.RestoreDirectory(ctx, store, m, db); err != nil {
		return nil, err
	}
	st, err := db.DirectoryState(ctx)
	if err != nil {
		return nil, err
	}
	if st.HandleClaims != m.Rows["handle_claims"] {
		return nil, fmt.Errorf("after the import %s holds %d handle claims, the archive %d", c.Region, st.HandleClaims, m.Rows["handle_claims"])
	}
	if err := db.LiveDirectory(ctx, m.ID, c.Now()); err != nil {
		return nil, err
	}
	return m, c.Store.Checkpoint(ctx)
}
