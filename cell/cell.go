// Package cell is the region value: one region's store, key store,
// keyring, link, job queue and clock, and three parts each its own type
// reached through a field: the public log (Outbox), staff roles and the
// access audit (Staff), and its people's notifications (Inbox). The
// concern packages (accounts, video, pipeline, social, safety, privacy,
// replication) each hold a *Cell and apply their rules through it;
// package region wires them together.
//
// cell imports only the root package and the adapters it is made of
// (keyring, link, catalog, mail); it never imports a concern package.
package cell

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"kurz"
	"kurz/blob"
	"kurz/catalog"
	"kurz/keyring"
	"kurz/link"
)

// Store is a region's database: the store contract plus what the job
// queue needs to join its transactions.
type Store interface {
	kurz.Store
	// TxSQL runs fn in one write transaction that jobs can be enqueued in
	// (River's transactional insert), committed if fn returns nil.
	TxSQL(ctx context.Context, fn func(*sql.Tx, kurz.Queries) error) error
	// RiverDriver is the job queue's driver on this database.
	RiverDriver() riverdriver.Driver[*sql.Tx]
	// Checkpoint folds the write-ahead log into the database and truncates
	// it, so deleted rows leave no copy beside it (a no-op where the
	// engine has no such file).
	Checkpoint(ctx context.Context) error
	// TryLease takes a named lease without waiting; nil if another node
	// holds it.
	TryLease(ctx context.Context, name string) (kurz.Lease, error)
}

// Cell is one region hosted by this process.
type Cell struct {
	Region kurz.Region
	// Dir is the region's folder: database, blobs, key file.
	Dir   string
	Store Store
	// Blobs holds the region's media, kept originals and exports.
	Blobs blob.Store
	// UploadsInBlobs says uploads in flight go to Blobs (object storage,
	// shared by the region's nodes) rather than the uploads folder.
	UploadsInBlobs bool
	// KeyStore holds the people's wrapped data keys, separately.
	KeyStore Store
	Keys     *keyring.Keyring
	Log      *slog.Logger
	// Link reaches every region, this one included (the directory may be
	// local, and a uniform path keeps tests honest).
	Link *link.Client
	// Regions lists every region of the deployment, local and remote.
	Regions []kurz.Region
	// Directory is the region that decides handle claims.
	Directory kurz.Region
	// Locator is the cluster-wide key that turns an email into the keyed
	// hash sent between regions at login; no region ever sends an email.
	Locator []byte
	// Clock, if set, replaces time.Now (tests).
	Clock func() time.Time
	// Jobs is the region's queue, built by StartJobs from the workers the
	// concern services registered in Workers.
	Jobs    *river.Client[*sql.Tx]
	Workers *river.Workers
	// Countries are the countries whose people live in this region; an
	// anonymous viewer at its door is taken to be in them.
	Countries []string
	// Index is the region's catalogue of public content of every region.
	Index *catalog.Index
	// OnJob, if set before the queue opens, is told of every finished job
	// attempt (metrics).
	OnJob func(kind string, d time.Duration, failed bool)
	// OnVideoGone, if set, is called when a video leaves the catalogue
	// (to purge edge caches), and with a person's ID when their profile
	// leaves it or changes its picture (the edge's copies of their
	// pictures go).
	OnVideoGone func(videoID string)
	// Sessions caches verified sessions for a moment (see SessionCacheTTL);
	// whoever ends sessions clears them here too.
	Sessions *SessionCache
	// Mail is how the region sends mail to its people.
	Mail MailConfig
	// MinFreeBytes is the free-space floor of the region's folder: below
	// it uploads are refused (507) and readiness fails (0: no floor).
	MinFreeBytes int64

	// Inbox holds the notifications of the region's people; Staff its
	// staff roles and access audit log; Outbox its public log. Init
	// makes them.
	Inbox  *Inbox
	Staff  *Staff
	Outbox *Outbox

	bgMu    sync.Mutex
	closers []func()
	bg      context.Context
	stop    context.CancelFunc
	done    sync.WaitGroup
}

// Init prepares the values every service reads, before any of them
// starts: the catalogue, the inbox, staff and public log, the job workers
// and the background context. It is called once, by region.Open.
func (c *Cell) Init() {
	if c.Index == nil {
		c.Index = catalog.NewIndex()
	}
	if c.Sessions == nil {
		c.Sessions = &SessionCache{}
	}
	c.Inbox, c.Staff = &Inbox{c: c}, &Staff{c: c}
	c.Outbox = &Outbox{c: c, wake: make(chan struct{})}
	if c.Workers == nil {
		c.Workers = river.NewWorkers()
	}
	river.AddWorker(c.Workers, &sendMailWorker{c: c})
	c.bg, c.stop = context.WithCancel(context.Background())
}

// Go runs f in the background until Close; Close waits for it to return.
// f's context is cancelled by Close.
func (c *Cell) Go(f func(ctx context.Context)) {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	if c.bg == nil || c.bg.Err() != nil {
		return // closed, or never initialised (a command's cell)
	}
	c.done.Add(1)
	go func() { defer c.done.Done(); f(c.bg) }()
}

// AtClose registers f to run when the cell closes, after its background
// work has stopped and before its stores close.
func (c *Cell) AtClose(f func()) {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	c.closers = append(c.closers, f)
}

// Close stops the cell's background work and job queue and releases its
// stores. It is safe after a partial start.
func (c *Cell) Close() error {
	c.bgMu.Lock()
	if c.stop != nil {
		c.stop()
	}
	c.bgMu.Unlock()
	if c.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Jobs.Stop(ctx); err != nil {
			// Jobs still running are cancelled; they are retried on the
			// next start (a transcode writes nothing visible until done).
			c.Jobs.StopAndCancel(context.Background())
		}
	}
	c.done.Wait()
	c.bgMu.Lock()
	closers := c.closers
	c.closers = nil
	c.bgMu.Unlock()
	for _, f := range closers {
		f()
	}
	var err error
	if c.KeyStore != nil {
		err = c.KeyStore.Close()
	}
	if c.Store != nil {
		if e := c.Store.Close(); err == nil {
			err = e
		}
	}
	return err
}

// EmailLocator is the keyed hash of a normalized email that regions
// exchange to find which one holds an account.
func (c *Cell) EmailLocator(email string) []byte {
	m := hmac.New(sha256.New, c.Locator)
	m.Write([]byte(email))
	return m.Sum(nil)
}

// EmailIndex is what this region stores: its own keyed hash of the
// locator, so indexes of different regions cannot be joined.
func (c *Cell) EmailIndex(locator []byte) []byte { return c.Keys.Index("email", locator) }

// Now is the region's clock.
func (c *Cell) Now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

// DataKey opens the data key of a person of this region. The wrapped keys
// live in their own database (KeyStore), apart from the region's database
// and its backups: destroying a key there makes every sealed field of the
// person unreadable in every copy of the main database.
func (c *Cell) DataKey(ctx context.Context, userID string) (*keyring.DataKey, error) {
	w, err := c.KeyStore.PersonKey(ctx, userID)
	if err != nil {
		return nil, err
	}
	return c.Keys.Unwrap(userID, w)
}

// Lead runs f whenever this node holds the lease name, for as long as it
// holds it: the work only one node of a region may do at a time (follow a
// peer's log, send deltas, sweep). Another node takes over within about
// a second of this one dying. While another node leads, idle runs instead
// (if not nil), returning when its context ends. Lead returns when the
// cell closes; run it with Go.
func (c *Cell) Lead(ctx context.Context, name string, f, idle func(ctx context.Context)) {
	for ctx.Err() == nil {
		lease, err := c.Store.TryLease(ctx, name)
		if err != nil || lease == nil {
			if err != nil && ctx.Err() == nil {
				c.Log.Warn("taking a lease", "lease", name, "err", err)
			}
			if idle == nil {
				Sleep(ctx, time.Second)
				continue
			}
			ictx, cancel := context.WithTimeout(ctx, time.Second)
			idle(ictx)
			cancel()
			continue
		}
		c.Log.Info("leading", "lease", name)
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			f(lctx)
		}()
		t := time.NewTicker(2 * time.Second)
	watch:
		for {
			select {
			case <-done:
				break watch
			case <-t.C:
				if !lease.Alive(ctx) {
					c.Log.Warn("lease lost", "lease", name)
					break watch
				}
			}
		}
		t.Stop()
		cancel()
		<-done
		lease.Release()
	}
}
