// Package region wires one region together: it opens the region value
// (package cell: stores, keys, link, log, jobs) from a Config, builds the
// concern services on it with the interfaces each declares, and starts
// and stops them in order. It is the only package that imports every
// concern package; httpapi, web and the commands reach a region through
// it.
package region

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"time"

	"kurz"
	"kurz/accounts"
	"kurz/appeals"
	"kurz/blob"
	"kurz/blob/s3blob"
	"kurz/cell"
	"kurz/directory"
	"kurz/discover"
	"kurz/feed"
	"kurz/keyring"
	"kurz/link"
	"kurz/pipeline"
	"kurz/postgres"
	"kurz/privacy"
	"kurz/replication"
	"kurz/safety"
	"kurz/search"
	"kurz/social"
	"kurz/sqlite"
	"kurz/sqlstore"
	"kurz/standing"
	"kurz/video"

	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
)

// Config is what a region is opened from.
type Config struct {
	Region kurz.Region
	// Dir is the region's folder: <data>/<region>.
	Dir string
	// DB and KeyDB are postgres:// URLs; empty means SQLite in Dir.
	DB, KeyDB string
	// KEK is the key-encryption key (base64, 32 bytes); empty means the
	// key file Dir/keyring/kek, created with mode 0600.
	KEK string
	Log *slog.Logger
	// Link reaches the other regions (and this one).
	Link      *link.Client
	Regions   []kurz.Region
	Directory kurz.Region
	// Locator keys the email locator shared by all regions.
	Locator []byte
	Media   pipeline.MediaConfig
	Privacy privacy.PrivacyConfig
	Safety  safety.SafetyConfig
	// Blobs holds the region's media, originals and exports; nil means
	// the folder Dir.
	Blobs blob.Store
	// WordFilterFile, if set, replaces Safety.WordFilter with the list read
	// from it (a missing file means no filter).
	WordFilterFile string
	// KeysDir holds the KEK file (unless KEK is given) and the SQLite key
	// store (unless KeyDB is given); empty means Dir/keyring.
	KeysDir string
	// Migrate says how far opening may change the databases' schemas: by
	// default (MigrateAll) every pending migration is applied; a server
	// without --migrate uses MigrateFresh, the admin commands MigrateNever.
	Migrate sqlstore.MigrateMode
	// Countries are the countries whose people live in this region: an
	// anonymous viewer at its door is taken to be in them (country
	// restrictions).
	Countries []string
	// MinFreeBytes is the free-space floor of Dir (0: none).
	MinFreeBytes int64
	// Mail is how the region sends mail to its people.
	Mail cell.MailConfig
}

// Validate checks a Config before anything is opened.
func (c *Config) Validate() error {
	switch {
	case c.Region == "":
		return errors.New("region: no region name")
	case c.Dir == "" && (c.DB == "" || c.KeyDB == ""):
		return fmt.Errorf("region %s: no data folder", c.Region)
	case c.Link == nil:
		return fmt.Errorf("region %s: no link", c.Region)
	case len(c.Locator) < 32:
		return fmt.Errorf("region %s: the email locator key is missing", c.Region)
	case c.Media.FFmpeg == nil || c.Media.Slots == nil:
		return fmt.Errorf("region %s: no media runner", c.Region)
	case c.Media.MaxAttempts < 1 || c.Media.DailyUploads < 1 || c.Media.MaxUploadBytes < 1 || c.Media.StorageQuota < 0:
		return fmt.Errorf("region %s: media limits must be positive", c.Region)
	case c.Privacy.DailyExports < 1:
		return fmt.Errorf("region %s: the daily export limit must be positive", c.Region)
	}
	return nil
}

// Region is one region hosted by this process: the region value and its
// concern services.
type Region struct {
	*cell.Cell
	Accounts    *accounts.Service
	Videos      *video.Service
	Pipeline    *pipeline.Service
	Social      *social.Service
	Feed        *feed.Service
	Safety      *safety.Service
	Appeals     *appeals.Service
	Standing    *standing.Service
	Privacy     *privacy.Service
	Replication *replication.Service

	// HandleDirectory answers handle and email claims when this region
	// is the directory (cell.Directory).
	HandleDirectory *directory.Service
	// Search is the region's index of its catalogue; Discover answers
	// search and the Discover page from both.
	Search   *search.Index
	Discover *discover.Service
	// LinkMux holds the calls this region answers on the region link; each
	// concern registers its own. A link.Handler serves it, after verifying
	// the sender.
	LinkMux *link.Mux
	// serves: Start has started the region's serving part (not a worker).
	serves bool
}

// Open opens a region's stores and keys and builds its services; nothing
// runs until Start. On error everything opened is closed again.
func Open(ctx context.Context, cfg Config) (r *Region, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &cell.Cell{Region: cfg.Region, Dir: cfg.Dir, Log: cfg.Log, Link: cfg.Link, Regions: cfg.Regions,
		Directory: cfg.Directory, Locator: cfg.Locator, Blobs: cfg.Blobs, MinFreeBytes: cfg.MinFreeBytes,
		Countries: cfg.Countries, Mail: cfg.Mail}
	if c.Blobs == nil {
		c.Blobs = &blob.Dir{Root: cfg.Dir}
	}
	if s3, ok := c.Blobs.(*s3blob.Store); ok {
		// Uploads go to the bucket too (tusd's S3 store, multipart), so a
		// resumed upload may arrive at any node of the region.
		c.UploadsInBlobs = true
		cfg.Media.TusStore = func(composer *handler.StoreComposer) {
			st := s3store.New(s3.Bucket, s3.Client)
			st.ObjectPrefix = path.Join(s3.Prefix, "uploads") + "/"
			st.UseIn(composer)
		}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			c.Close()
			r = nil
		}
	}()
	keysDir := cfg.KeysDir
	if keysDir == "" {
		keysDir = filepath.Join(cfg.Dir, "keyring")
	}
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		return nil, err
	}
	if cfg.KEK != "" {
		raw, err := keyring.ParseKey(cfg.KEK)
		if err != nil {
			return nil, err
		}
		if c.Keys, err = keyring.New(raw); err != nil {
			return nil, err
		}
	} else if c.Keys, err = keyring.LoadOrCreate(filepath.Join(keysDir, "kek")); err != nil {
		return nil, err
	}
	// Assigned only when opened: a nil *sqlstore.DB in the interface
	// field would not be nil to Close.
	store, err := openStore(ctx, cfg.DB, filepath.Join(cfg.Dir, "kurz.db"), cfg.Migrate)
	if err != nil {
		return nil, err
	}
	c.Store = store
	// The wrapped data keys live apart from the main database (and its
	// backups), in the keyring folder, unless a database is configured.
	keys, err := openStore(ctx, cfg.KeyDB, filepath.Join(keysDir, "keys.db"), cfg.Migrate)
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	c.KeyStore = keys
	if cfg.Migrate != sqlstore.MigrateNever {
		if err := c.PrepareJobs(ctx, cfg.Migrate == sqlstore.MigrateAll); err != nil {
			return nil, err
		}
	}
	if cfg.WordFilterFile != "" {
		if cfg.Safety.WordFilter, err = safety.LoadWordFilter(cfg.WordFilterFile); err != nil {
			return nil, fmt.Errorf("word filter: %w", err)
		}
	}
	c.Init()
	// Every commit that wrote the public log tells the outbox, so the
	// catalogue is known to be behind until it has read it (reads of
	// public videos answer from it only then: Outbox.CatalogCurrent), and
	// waits for this node's catalogue to apply it (Outbox.Committed).
	store.AfterLog(c.Outbox.Committed)
	return build(c, cfg)
}

// build makes the services of region value c. Where a concern needs
// another, it gets it through the interface it declares.
func build(c *cell.Cell, cfg Config) (*Region, error) {
	r := &Region{Cell: c}
	r.Accounts = accounts.New(c)
	r.HandleDirectory = directory.New(c)
	r.Standing = standing.New(c)
	r.Safety = safety.New(c, cfg.Safety)
	r.Safety.Standing, r.Standing.Decisions = r.Standing, r.Safety
	r.Appeals = appeals.New(c, r.Safety)
	r.Videos = video.New(c, r.Safety.Screen)
	r.Feed = feed.New(c)
	r.Social = social.New(c, r.Safety.Screen, r.Videos, r.Feed)
	r.Safety.Shapes = shapes{r}
	r.Privacy = privacy.New(c, cfg.Privacy, shapes{r})
	r.Replication = replication.New(c)
	r.Search = search.New(c.Index) // before the catalogue loads: it follows every change
	r.Discover = &discover.Service{Region: c.Region, Index: c.Index, Search: r.Search}
	var err error
	if r.Pipeline, err = pipeline.New(c, cfg.Media, r.Videos, r.Safety.Screen); err != nil {
		return nil, err
	}
	r.LinkMux = link.NewMux()
	r.Accounts.RegisterLink(r.LinkMux)
	r.HandleDirectory.RegisterLink(r.LinkMux)
	r.Social.RegisterLink(r.LinkMux)
	r.Replication.RegisterLink(r.LinkMux)
	r.Safety.RegisterLink(r.LinkMux)
	r.Appeals.RegisterLink(r.LinkMux)
	r.Standing.RegisterLink(r.LinkMux)
	return r, nil
}

func openStore(ctx context.Context, dsn, path string, mode sqlstore.MigrateMode) (*sqlstore.DB, error) {
	if dsn != "" {
		return postgres.OpenSchema(ctx, dsn, mode)
	}
	return sqlite.OpenSchema(ctx, path, mode)
}

// Start starts the region's work in order: the job queue (after taking
// back the work this node held when it stopped), the privacy sweep, then
// the catalogue and the log followers. Serving follows once the process
// serves.
func (r *Region) Start(ctx context.Context, role Role) error {
	if d, ok := r.Blobs.(*blob.Dir); ok {
		if err := d.ClearStaging(); err != nil {
			return err
		}
	}
	err := r.OpenJobs(ctx, cell.JobsConfig{NodeID: r.Pipeline.Media.NodeID, InsertOnly: role == RoleAPI,
		MediaWorkers: r.Pipeline.Media.Slots.Cap(), JobTimeout: r.Pipeline.JobTimeout()})
	if err != nil {
		return err
	}
	if role != RoleAPI {
		if err := r.Pipeline.Recover(ctx); err != nil {
			return err
		}
		if err := r.Jobs.Start(ctx); err != nil {
			return err
		}
	}
	r.Privacy.Start(ctx)
	r.Go(r.HandleDirectory.BackfillHandleKeys)
	if role == RoleWorker {
		return nil
	}
	r.serves = true
	return r.Replication.Start(ctx)
}

// Serving starts what a region needs only once it serves: building its
// search index from the catalogue Start loaded (minutes at a million
// videos; until it is built, searches are answered from the catalogue,
// see package search). Starting it earlier would only take CPU from the
// start.
func (r *Region) Serving() {
	if r.serves {
		r.Go(r.Search.Run)
	}
}

// Role is what a node of a region does.
type Role string

// Roles: everything (the default, one node per region), the API without
// running jobs, or jobs without the API and replication.
const (
	RoleAll    Role = ""
	RoleAPI    Role = "api"
	RoleWorker Role = "worker"
)

// shapes renders videos and comments as the API shows them, for the
// services that show them to moderators or in exports.
type shapes struct{ r *Region }

func (s shapes) Video(ctx context.Context, viewer *kurz.Profile, v *kurz.Video) (any, error) {
	rec, err := s.r.Videos.Record(ctx, v)
	if err != nil {
		return nil, err
	}
	return rec, nil
}

func (s shapes) Comment(cm *kurz.Comment) any { return social.CommentRecord(cm) }

// Readiness says what keeps the region from serving fully, or "" when
// nothing does: its database or object storage unreachable (the cause is
// logged), its folder below the free-space floor (uploads are refused),
// or its directory region unreachable for longer than DirectoryGrace
// (sign-ups and handle changes need it).
func (r *Region) Readiness(ctx context.Context) string {
	if err := r.Store.Ping(ctx); err != nil {
		r.Log.Warn("readiness: database unreachable", "err", err)
		return "database unreachable"
	}
	if p, ok := r.Blobs.(interface{ Ping(context.Context) error }); ok {
		if err := p.Ping(ctx); err != nil {
			r.Log.Warn("readiness: object storage unreachable", "err", err)
			return "object storage unreachable"
		}
	}
	if p := r.SpaceProblem(); p != "" {
		return p
	}
	if h, ok := r.Replication.Health()[r.Directory]; ok && !h.Up && !h.DownSince.IsZero() && time.Since(h.DownSince) > DirectoryGrace {
		return "directory region " + string(r.Directory) + " unreachable"
	}
	return ""
}

// DirectoryGrace is how long the directory region may be unreachable
// before Readiness reports it: a restart of the directory's process is
// not an outage.
const DirectoryGrace = 30 * time.Second
