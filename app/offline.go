package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"kurz"
	"kurz/catalog"
	"kurz/cell"
	"kurz/internal/leak"
	"kurz/link"
	"kurz/pipeline"
	"kurz/region"
	"kurz/sqlite"
	"kurz/sqlstore"
)

// OpenRegion opens one region's stores for an admin command, without
// serving, running jobs (it may enqueue them) or links. Close it when done.
// It never changes the schema: a database that is behind this binary is
// refused with a pointer to "kurz migrate".
func OpenRegion(ctx context.Context, cfg Config, r kurz.Region) (*region.Region, error) {
	m := &Main{Config: cfg}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, string(r), "kurz.db")); err != nil && cfg.DB[r] == "" {
		return nil, fmt.Errorf("no data for region %s under %s", r, cfg.DataDir)
	}
	rc := m.offlineRegionConfig(r)
	rc.Migrate = sqlstore.MigrateNever
	c, err := region.Open(ctx, rc)
	if err != nil {
		return nil, err
	}
	// Commands only enqueue: a termination's steps in other regions (its
	// comments hidden there) run once the region's servers start.
	if err := c.OpenJobs(ctx, cell.JobsConfig{InsertOnly: true}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// offlineRegionConfig is the configuration of a region opened by a
// command: no serving, jobs or links.
func (m *Main) offlineRegionConfig(r kurz.Region) region.Config {
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	m.slots = pipeline.NewSlots(1)
	m.newMediaRunner()
	m.api = nil
	// Commands make no link calls and locate no email: no keys.
	return m.regionConfig(r, func(from, to kurz.Region) []byte { return nil }, link.LocatorKey(nil))
}

// FindPerson resolves a handle in a region's own people or its replicas of
// other regions' public profiles.
func FindPerson(ctx context.Context, c *region.Region, handle string) (string, error) {
	h, err := kurz.NormalizeHandle(handle)
	if err != nil {
		return "", err
	}
	if p, err := c.Store.ProfileByHandle(ctx, h); err == nil {
		return p.ID, nil
	}
	rows, err := c.Store.Replicas(ctx, "profile")
	if err != nil {
		return "", err
	}
	for _, data := range rows {
		var p catalog.PublicProfile
		if json.Unmarshal(data, &p) == nil && p.Handle == h {
			return p.ID, nil
		}
	}
	return "", fmt.Errorf("no person with handle %q is known to region %s", h, c.Region)
}

// TableClass is a table and its data class, read from the migrations.
type TableClass struct {
	Table string `json:"table"`
	Class string `json:"class"`
	Rows  int64  `json:"rows"`
}

var classRE = regexp.MustCompile(`(?m)^-- class: ([a-z-]+)`)
var createRE = regexp.MustCompile(`(?m)^CREATE TABLE ([a-z_]+)`)

// DataClasses reads each table's class from the labelled migrations.
func DataClasses() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(sqlite.Dialect.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sqlite.Dialect.Migrations, path)
		if err != nil {
			return err
		}
		text := string(b)
		for _, m := range createRE.FindAllStringSubmatchIndex(text, -1) {
			table := text[m[2]:m[3]]
			classes := classRE.FindAllStringSubmatch(text[:m[0]], -1)
			if len(classes) > 0 {
				out[table] = classes[len(classes)-1][1]
			}
		}
		return nil
	})
	return out, err
}

// flows says where each class may go.
var flows = map[string]string{
	"public":               "home region (authoritative); read-only replicas in every region; media cached at any region's edge",
	"personal":             "home region only, at rest and in processing; personal fields sealed with the person's own key",
	"regional-operational": "the region that produced it",
}

// Report is the residency report of one region.
type Report struct {
	Region  kurz.Region       `json:"region"`
	Tables  []TableClass      `json:"tables"`
	Flows   map[string]string `json:"flows"`
	Peers   map[string]int64  `json:"peers_replicated_up_to"`
	Checks  []string          `json:"self_check"`
	CheckOK bool              `json:"self_check_passed"`
}

// personalTables hold rows keyed by a person's ID in the person's region.
var personalTables = map[string]string{"accounts": "user_id", "comment_likes": "user_id", "follow_requests": "followee_id", "sessions": "user_id", "likes": "user_id", "follows": "follower_id",
	"views": "user_id", "notifications": "user_id", "exports": "user_id", "erasures": "user_id",
	"work_done": "user_id", "blocks": "person_id"}

// ResidencyReport lists the region's data classes, row counts, flows, link
// peers and a canary self-check: a fresh canary sealed with the region's
// keys is nowhere in plaintext, and no other region in the same data
// folder holds personal rows of this region's people.
func ResidencyReport(ctx context.Context, cfg Config, c *region.Region) (*Report, error) {
	classes, err := DataClasses()
	if err != nil {
		return nil, err
	}
	counts, err := c.Store.TableCounts(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Region: c.Region, Flows: flows, Peers: map[string]int64{}, CheckOK: true}
	for t, class := range classes {
		rep.Tables = append(rep.Tables, TableClass{Table: t, Class: class, Rows: counts[t]})
	}
	sort.Slice(rep.Tables, func(i, j int) bool { return rep.Tables[i].Table < rep.Tables[j].Table })
	peers := cfg.AllRegions()
	if entries, err := os.ReadDir(cfg.DataDir); err == nil {
		for _, e := range entries {
			if r := kurz.Region(e.Name()); e.IsDir() && r.Validate() == nil {
				peers = append(peers, r)
			}
		}
	}
	for _, r := range peers {
		if r != c.Region {
			seq, _ := c.Store.LogPosition(ctx, r)
			rep.Peers[string(r)] = seq
		}
	}
	fail := func(format string, args ...any) {
		rep.CheckOK = false
		rep.Checks = append(rep.Checks, "FAIL: "+fmt.Sprintf(format, args...))
	}
	// 1. Sealing: a canary sealed into the key store never shows in plaintext.
	holder := "canary_" + kurz.NewID(c.Region)
	secret := "kurz-canary-" + kurz.NewID(c.Region)
	dk, wrapped, err := c.Keys.NewDataKey(holder)
	if err != nil {
		return nil, err
	}
	sealed := dk.Seal("canary", []byte(secret))
	if err := c.KeyStore.PutPersonKey(ctx, holder, append(wrapped, sealed...)); err != nil {
		return nil, err
	}
	c.KeyStore.Checkpoint(ctx)
	hits, err := leak.ScanDir(filepath.Join(cfg.DataDir, string(c.Region)), secret)
	c.KeyStore.DeletePersonKey(ctx, holder)
	if err != nil {
		return nil, err
	}
	if back, err := dk.Open("canary", sealed); err != nil || string(back) != secret {
		fail("sealed canary does not open again")
	} else if len(hits) > 0 {
		fail("canary found in plaintext: %v", hits)
	} else {
		rep.Checks = append(rep.Checks, "ok: a canary sealed with the region's keys is not readable in its files")
	}
	// 2. Residency: other regions in this data folder hold no personal rows
	// of this region's people.
	entries, _ := os.ReadDir(cfg.DataDir)
	for _, e := range entries {
		other := kurz.Region(e.Name())
		if !e.IsDir() || other == c.Region || other.Validate() != nil {
			continue
		}
		path := filepath.Join(cfg.DataDir, e.Name(), "kurz.db")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			fail("open %s: %v", other, err)
			continue
		}
		for table, col := range personalTables {
			n, err := db.CountPrefixed(ctx, table, col, string(c.Region)+"_")
			if err != nil && !strings.Contains(err.Error(), "no such") {
				fail("%s.%s: %v", other, table, err)
			} else if n > 0 {
				fail("%s.%s holds %d rows of %s people", other, table, n, c.Region)
			}
		}
		db.Close()
		rep.Checks = append(rep.Checks, fmt.Sprintf("ok: region %s holds no personal rows of %s people", other, c.Region))
	}
	return rep, nil
}
