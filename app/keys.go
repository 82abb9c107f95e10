package app

import (
	"os"
	"path/filepath"
	"syscall"

	"kurz"
)

// Where a region's keys live. The KEK file and the key store (the people's
// wrapped data keys) default to <keys-dir>/<region>/, and keys-dir to the
// data folder's sibling "<data>-keys": apart from the database, so one copy
// of the data folder does not carry the keys that open it, and erasure
// (which destroys a key in the key store) reaches every backup of the
// database. A region set up before keys-dir existed keeps its keys in
// <data>/<region>/keyring until they are moved (see CHANGELOG.md).

// keysDir is the folder of region r's KEK file and key store.
func (m *Main) keysDir(r kurz.Region) string {
	base := m.Config.KeysDir
	if base == "" {
		base = filepath.Clean(m.Config.DataDir) + "-keys"
	}
	dir := filepath.Join(base, string(r))
	legacy := filepath.Join(m.Config.DataDir, string(r), "keyring")
	if !exists(filepath.Join(dir, "kek")) && !exists(filepath.Join(dir, "keys.db")) &&
		(exists(filepath.Join(legacy, "kek")) || exists(filepath.Join(legacy, "keys.db"))) {
		return legacy
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// warnSharedDisk warns, once per region at start, when the region's keys
// on disk (a KEK file or a SQLite key store) sit on the same file system as
// its SQLite database, or inside its data folder: a backup or a stolen
// disk then carries both.
func (m *Main) warnSharedDisk(r kurz.Region) {
	keyFile := m.Config.KEK[r] == ""
	keyStore := m.Config.KeyDB[r] == ""
	if !keyFile && !keyStore {
		return
	}
	data := filepath.Join(m.Config.DataDir, string(r))
	keys := m.keysDir(r)
	if rel, err := filepath.Rel(data, keys); err == nil && filepath.IsLocal(rel) {
		m.Log.Warn("the region's keys are inside its data folder: one copy of the folder carries the keys that open it; move them to --keys-dir",
			"region", string(r), "keys_dir", keys)
		return
	}
	if m.Config.DB[r] != "" {
		return // the database is elsewhere
	}
	if sameDevice(data, keys) {
		m.Log.Warn("the region's keys share a disk with its database; keep --keys-dir on another disk (or give the KEK in KURZ_KEK_<REGION> and the key store in --key-db) and back them up apart",
			"region", string(r), "keys_dir", keys)
	}
}

// sameDevice reports whether two existing paths are on one file system.
func sameDevice(a, b string) bool {
	var sa, sb syscall.Stat_t
	if syscall.Stat(a, &sa) != nil || syscall.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev
}
