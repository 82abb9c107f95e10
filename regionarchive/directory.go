package regionarchive

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"kurz"
	"kurz/blob"
	"kurz/sqlstore"
)

// A directory archive ("kurz directory export") carries the handle
// directory from one region to another: the handle claims of every
// region's people as table parts under db/, and directory.json (written
// last) with the row counts and the SHA-256 of every part. A claim is
// public (a handle, its look-alike key, a public ID and a time), so the
// archive is not sealed: its sums catch damage in transit, and it belongs
// where only operators write. The email claims do not travel: each is the
// old directory's own keyed hash, which nothing but that region's keys
// can compute again (see app/directory.go).

// DirectoryFormat names the layout in its manifest.
const DirectoryFormat = "kurz-directory/1"

// DirectoryManifestName is the manifest's key in the target.
const DirectoryManifestName = "directory.json"

// DirectoryTables are the tables a directory archive carries.
var DirectoryTables = []string{"handle_claims"}

// DirectoryManifest describes a directory archive.
type DirectoryManifest struct {
	Format string `json:"format"`
	// ID names this archive; the receiving region records it.
	ID string `json:"id"`
	// From is the region the directory left, To the one it goes to.
	From      kurz.Region       `json:"from"`
	To        kurz.Region       `json:"to"`
	CreatedAt time.Time         `json:"created_at"`
	Schema    int               `json:"schema"`
	Rows      map[string]int64  `json:"rows"`
	Files     map[string]string `json:"files"`
}

// NewDirectoryTarget returns a target on s for a directory archive,
// refusing one that holds an archive or a backup already.
func NewDirectoryTarget(ctx context.Context, s blob.Store) (*BackupTarget, error) {
	if _, err := s.Stat(ctx, DirectoryManifestName); err == nil {
		return nil, errors.New("the target holds a directory archive already: give an empty one")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return NewBackupTarget(ctx, s)
}

// ReadDirectory reads and checks a directory archive's manifest and
// every part's sum, before anything is restored.
func ReadDirectory(ctx context.Context, s blob.Store) (*DirectoryManifest, error) {
	var m DirectoryManifest
	if err := ReadManifest(ctx, s, DirectoryManifestName, &m); err != nil {
		return nil, err
	}
	if m.Format != DirectoryFormat {
		return nil, fmt.Errorf("not a kurz directory archive (format %q)", m.Format)
	}
	for name := range m.Files {
		if t := tableOf(name); t != "db/handle_claims" {
			return nil, fmt.Errorf("%w: unexpected entry %q", ErrVerify, name)
		}
	}
	if err := VerifyFiles(ctx, s, m.Files); err != nil {
		return nil, err
	}
	return &m, nil
}

// RestoreDirectory restores the claims of a checked directory archive into
// db, whose claim tables were emptied (sqlstore.ReceiveDirectory). The
// region may be serving meanwhile: it is not the directory yet.
func RestoreDirectory(ctx context.Context, s blob.Store, m *DirectoryManifest, db *sqlstore.DB) error {
	return restoreParts(ctx, s, m.Files, "db", db, DirectoryTables)
}
