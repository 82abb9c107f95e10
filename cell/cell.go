// Package cell is a region: its database, blobs, keyring and logger, and
// the services that apply kurz's rules to them. Code serving one cell never
// opens another's stores; it reaches other regions only through the link.
package cell

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/tus/tusd/v2/pkg/handler"

	"kurz"
	"kurz/keyring"
	"kurz/link"
	"kurz/sqlstore"
)

// Cell is one region hosted by this process.
type Cell struct {
	Region kurz.Region
	// Dir is the region's folder: database, blobs, key file.
	Dir   string
	Store *sqlstore.DB
	// KeyStore holds the people's wrapped data keys, separately.
	KeyStore kurz.Store
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
	Now     func() time.Time
	// Media configures the video pipeline; Jobs is the region's queue.
	Media   MediaConfig
	Privacy PrivacyConfig
	Safety  SafetyConfig
	Jobs    *river.Client[*sql.Tx]
	// Uploads is the region's tus endpoint.
	Uploads *handler.UnroutedHandler
	// Index is the region's catalogue of public content of every region.
	Index *Index
	// OnVideoGone, if set, is called when a video leaves the catalogue
	// (to purge edge caches).
	OnVideoGone func(videoID string)

	logMu    sync.Mutex
	logWake  chan struct{}
	healthMu sync.Mutex
	health   map[kurz.Region]PeerHealth
	stop     context.CancelFunc
	done     sync.WaitGroup
}

// Close stops the cell's workers and releases its resources.
func (c *Cell) Close() error {
	if c.stop != nil {
		c.stop()
		c.done.Wait()
	}
	if c.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Jobs.Stop(ctx); err != nil {
			// Jobs still running are cancelled; they are retried on the
			// next start (a transcode writes nothing visible until done).
			c.Jobs.StopAndCancel(context.Background())
		}
	}
	if c.KeyStore != nil {
		c.KeyStore.Close()
	}
	return c.Store.Close()
}

// LocatorKey derives the email locator key from the link secret.
func LocatorKey(linkSecret []byte) []byte {
	k, _ := hkdf.Key(sha256.New, linkSecret, nil, "kurz email locator v1", 32)
	return k
}

// EmailLocator is the keyed hash of a normalized email that regions
// exchange to find which one holds an account.
func (c *Cell) EmailLocator(email string) []byte {
	m := hmac.New(sha256.New, c.Locator)
	m.Write([]byte(email))
	return m.Sum(nil)
}

// emailIndex is what this region stores: its own keyed hash of the locator,
// so indexes of different regions cannot be joined.
func (c *Cell) emailIndex(locator []byte) []byte { return c.Keys.Index("email", locator) }

func (c *Cell) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// dataKey opens the data key of a person of this region. The wrapped keys
// live in their own database (KeyStore), apart from the region's database
// and its backups: destroying a key there makes every sealed field of the
// person unreadable in every copy of the main database.
func (c *Cell) dataKey(ctx context.Context, q kurz.Queries, userID string) (*keyring.DataKey, error) {
	w, err := c.KeyStore.PersonKey(ctx, userID)
	if err != nil {
		return nil, err
	}
	return c.Keys.Unwrap(userID, w)
}
