// Package app wires a kurz process together: configuration, cells, the
// HTTP server and their lifecycle. cmd/kurz and the end-to-end tests both
// use Main.
package app

import (
	"fmt"
	"log/slog"
	stdmail "net/mail"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"kurz"
	"kurz/blob/s3blob"
	"kurz/guard"
	"kurz/httpapi"
	"kurz/mail"
	"kurz/region"
)

// Config is parsed once in main; Validate checks it before anything starts.
type Config struct {
	// Addr is the listen address, like 127.0.0.1:8080 (":0" picks a port).
	Addr string
	// DataDir holds one folder per hosted region: <DataDir>/<region>/.
	DataDir string
	// Regions are the regions this process hosts. The embedded default
	// hosts eu, us and sg; a production node hosts one.
	Regions []kurz.Region
	// Peers maps regions hosted elsewhere to their base URL.
	Peers map[kurz.Region]string
	// DB maps a hosted region to a postgres:// URL; regions not listed use
	// SQLite at <DataDir>/<region>/kurz.db.
	DB map[kurz.Region]string
	// Blobs maps a hosted region to an S3 URL for its media, originals
	// and exports (s3://bucket/prefix?endpoint=…&region=…); regions not
	// listed keep them in <DataDir>/<region>/. No two regions may share a
	// bucket and prefix.
	Blobs map[kurz.Region]string
	// SMTP maps a hosted region to its own mail relay
	// (smtp://user:pass@host:587 with STARTTLS, smtps://…:465 with TLS, or
	// smtp://host:port?tls=none for a relay on the same machine). A region
	// without one writes its mail as .eml files to <MailDir>/<region>/.
	// A person's mail is sent only by their home region.
	SMTP map[kurz.Region]string
	// MailDir is where regions without a relay put their mail (default:
	// the data folder's sibling "<DataDir>-mail"). It is outgoing mail,
	// in plaintext like a relay's spool: hand it on or delete it.
	MailDir string
	// MailFrom is the sender address of kurz's mail.
	MailFrom string
	// Role is what this process does for its regions: everything (""),
	// the API only with jobs run elsewhere ("api", --no-jobs), or the jobs
	// only ("worker", kurz worker: no public HTTP, no replication).
	Role region.Role
	// MetricsAddr, if set, serves Prometheus metrics there (never on the
	// public port), like 127.0.0.1:9090.
	MetricsAddr string
	// LogLevel is the least severe level logged (--log-level).
	LogLevel slog.Level
	// MediaRedirect answers public media requests of S3-stored regions
	// with a redirect to a short-lived presigned URL.
	MediaRedirect bool
	// KeyDB maps a hosted region to a postgres:// URL for its wrapped data
	// keys; by default they live in <DataDir>/<region>/keyring/keys.db.
	// Back it up separately from the main database: erasing a person
	// destroys their key here, which is what makes old backups of the main
	// database unreadable for them.
	KeyDB map[kurz.Region]string
	// KEK maps a hosted region to its key-encryption key (base64, 32
	// bytes); regions not listed use <DataDir>/<region>/keyring/kek,
	// created on first start with mode 0600.
	KEK map[kurz.Region]string
	// Directory is the region that decides handle claims.
	Directory kurz.Region
	// Residency maps countries to home regions.
	Residency kurz.Residency
	// LinkSecret is the deployment's shared link secret (base64, at least
	// 32 bytes). Keys for each direction between two regions are derived
	// from it (HKDF) where no pair secret is configured, and, without a
	// LocatorSecret, the email locator key too. Required when there are
	// peers, unless every peer has a pair secret and LocatorSecret is set;
	// otherwise one is generated in <DataDir>/link.secret.
	LinkSecret string
	// PeerSecrets gives a secret per peer region (base64, at least 32
	// bytes) from which the keys of the link between this process's
	// regions and that peer are derived instead; the peer must use the
	// same secret for this region. A region holding only its own pair
	// secrets cannot speak for any other region.
	PeerSecrets map[kurz.Region]string
	// LocatorSecret keys the email locator, which every region of a
	// deployment must compute alike; it never authenticates a link call.
	// Empty means derived from LinkSecret (what kurz has always done;
	// changing it makes existing accounts unfindable by email).
	LocatorSecret string
	// LinkAddr, if set, is a listener of its own for peers (the region
	// link, forwarded requests and media); it serves TLS with LinkCert and,
	// with LinkCA, requires client certificates (mutual TLS).
	LinkAddr string
	// LinkCert and LinkKey are the PEM certificate and key this process
	// presents to peers: served on LinkAddr (or on Addr when LinkAddr is
	// not set) and sent as a client certificate when calling peers.
	LinkCert, LinkKey string
	// LinkCA is a PEM file of the CA that peers' certificates must chain
	// to: it pins https:// peers, and link calls to this process must
	// present a client certificate it signed.
	LinkCA string
	// InsecureLink accepts plain http:// peers on addresses other than
	// loopback. Link calls stay signed, but no bearer token or password
	// is forwarded to such a peer.
	InsecureLink bool
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Limits are the front door's rate limits.
	Limits httpapi.Limits
	// Timeouts bound how long clients may take: whole requests, responses,
	// idle connections, and a minimum rate for uploads and downloads.
	Timeouts guard.Timeouts
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout time.Duration
	// SecureCookies marks cookies Secure; set it behind HTTPS.
	SecureCookies bool
	// PublicURL is the origin people reach kurz at ("https://kurz.example"),
	// for absolute links (OpenGraph, oEmbed). A request's Host header is
	// never used for them; without PublicURL they name the listen address.
	PublicURL string

	// MaxUploadBytes bounds one upload; MaxVideoDuration one video.
	MaxUploadBytes   int64
	MaxVideoDuration time.Duration
	// DailyUploads is how many uploads a person may create per UTC day;
	// deleting videos gives none back.
	DailyUploads int
	// DailyExports is how many data exports a person may ask for per UTC
	// day.
	DailyExports int
	// StorageQuota bounds the summed upload sizes of one person's videos,
	// in bytes (0: no bound).
	StorageQuota int64
	// KeepOriginals keeps raw uploads after processing.
	KeepOriginals bool
	// TranscodeSlots is how many transcodes run at once in this process,
	// across all its regions (0: one per 4 cores, at least one).
	TranscodeSlots int
	// TranscodeTimeout bounds one transcode.
	TranscodeTimeout time.Duration
	// UnboxedMedia processes media even where the media box (ffmpeg.Runner:
	// its own user, Landlock, no network) cannot be made; otherwise such a
	// server refuses uploads and says so at start.
	UnboxedMedia bool
	// NoFastMedia leaves every request of the plain main listener to
	// net/http (no fast core for public media, see app/fast.go).
	NoFastMedia bool
	// ProcessingAttempts is how often processing is tried before a video
	// fails.
	ProcessingAttempts int
	// ErasureGrace is how long an erasure can be cancelled; Retention how
	// long sign-in IPs are kept; ExportTTL how long an export can be fetched.
	ErasureGrace, Retention, ExportTTL time.Duration
	// UploadTTL is how long an unfinished upload is kept before it is
	// deleted (and the day's quota given back).
	UploadTTL time.Duration
	// HoldNewUploads is how many first uploads of accounts younger than a
	// week wait for moderator review before they are published (0: none).
	HoldNewUploads int
	// ClaimTTL is how long a moderator's claim on a queue item keeps
	// other moderators off it (default 15 minutes); the queue shows when
	// each claim ends.
	ClaimTTL time.Duration
	// EdgeCacheBytes bounds the cache of other regions' public media.
	EdgeCacheBytes int64
	// MinFreeBytes is the free-space floor of each region's folder: an
	// upload that would leave less is refused with 507, and /readyz
	// answers 503 while a region is below it (0: no floor).
	MinFreeBytes int64
	// KeysDir holds each region's KEK file and key store in
	// <KeysDir>/<region>/ (default: the data folder's sibling
	// "<DataDir>-keys"). Keep it on another disk than the data and back it
	// up apart.
	KeysDir string
	// Contact is the operator's point of contact for authorities and users
	// (DSA Art. 11 and 12), shown on the default legal pages.
	Contact string
	// Migrate lets the server apply pending schema migrations at start.
	// Without it a fresh, empty database is still initialised, but one
	// that is behind this binary is refused: run "kurz migrate" after a
	// backup, or set this.
	Migrate bool
	// NodeID names this process in the job queues; keep it stable across
	// restarts so interrupted work is taken back at once (default: host name).
	NodeID string
}

// DefaultConfig is the embedded default: three regions in one process,
// SQLite and folders under ./kurz-data.
func DefaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "./kurz-data",
		Regions:         []kurz.Region{"eu", "us", "sg"},
		Peers:           map[kurz.Region]string{},
		DB:              map[kurz.Region]string{},
		KEK:             map[kurz.Region]string{},
		KeyDB:           map[kurz.Region]string{},
		Blobs:           map[kurz.Region]string{},
		SMTP:            map[kurz.Region]string{},
		MailFrom:        "kurz <no-reply@localhost>",
		PeerSecrets:     map[kurz.Region]string{},
		Directory:       "eu",
		Residency:       kurz.Residency{Countries: kurz.DefaultCountryRegions(), Default: "eu"},
		Limits:          httpapi.DefaultLimits(),
		Timeouts:        guard.DefaultTimeouts(),
		ShutdownTimeout: 20 * time.Second,

		MaxUploadBytes:     512 << 20,
		MaxVideoDuration:   10 * time.Minute,
		DailyUploads:       50,
		DailyExports:       3,
		StorageQuota:       10 << 30,
		TranscodeTimeout:   20 * time.Minute,
		ProcessingAttempts: 3,
		EdgeCacheBytes:     1 << 30,
		MinFreeBytes:       256 << 20,
		UploadTTL:          24 * time.Hour,
		ErasureGrace:       14 * 24 * time.Hour,
		Retention:          90 * 24 * time.Hour,
		ExportTTL:          7 * 24 * time.Hour,
		ClaimTTL:           15 * time.Minute,
	}
}

// AllRegions returns hosted and peer regions, sorted.
func (c *Config) AllRegions() []kurz.Region {
	all := slices.Clone(c.Regions)
	for r := range c.Peers {
		all = append(all, r)
	}
	slices.Sort(all)
	return all
}

// Validate reports the first problem with the configuration.
func (c *Config) Validate() error {
	if len(c.Regions) == 0 {
		return fmt.Errorf("config: no regions to host")
	}
	seen := map[kurz.Region]bool{}
	for _, r := range c.AllRegions() {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		if seen[r] {
			return fmt.Errorf("config: region %s is both hosted here and a peer, or listed twice", r)
		}
		seen[r] = true
	}
	for r, dsn := range c.DB {
		if !slices.Contains(c.Regions, r) {
			return fmt.Errorf("config: database given for region %s, which is not hosted here", r)
		}
		if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
			return fmt.Errorf("config: database for %s must be a postgres:// URL (SQLite is the default)", r)
		}
	}
	if err := c.validateBlobs(); err != nil {
		return err
	}
	for r, u := range c.SMTP {
		if !slices.Contains(c.Regions, r) {
			return fmt.Errorf("config: mail relay given for region %s, which is not hosted here", r)
		}
		if _, err := mail.ParseSMTP(u); err != nil {
			return fmt.Errorf("config: mail relay of %s: %w", r, err)
		}
	}
	if _, err := stdmail.ParseAddress(c.MailFrom); err != nil {
		return fmt.Errorf("config: the mail sender %q is not an address", c.MailFrom)
	}
	if !seen[c.Directory] {
		return fmt.Errorf("config: handle directory region %q is not a known region", c.Directory)
	}
	if err := c.checkTopology(); err != nil {
		return err
	}
	if err := c.Residency.Validate(c.AllRegions()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := c.validateLink(); err != nil {
		return err
	}
	if c.ClaimTTL < 0 {
		return fmt.Errorf("config: the claim time of moderation items must not be negative")
	}
	if c.DataDir == "" {
		return fmt.Errorf("config: a data folder is required")
	}
	if c.MaxUploadBytes <= 0 || c.MaxVideoDuration <= 0 || c.DailyUploads <= 0 || c.TranscodeTimeout <= 0 || c.ProcessingAttempts <= 0 {
		return fmt.Errorf("config: upload limits, transcode timeout and processing attempts must be positive")
	}
	if t := c.Timeouts; t.ReadHeader <= 0 || t.Read <= 0 || t.Write <= 0 || t.Idle <= 0 || t.MinRate <= 0 || t.RateWindow < time.Second {
		return fmt.Errorf("config: timeouts and the minimum transfer rate must be positive (the rate's window at least a second)")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
			strings.Trim(u.Path, "/") != "" {
			return fmt.Errorf("config: the public URL must be an origin like https://kurz.example, without a path")
		}
	}
	if c.DailyExports <= 0 || c.StorageQuota < 0 {
		return fmt.Errorf("config: the daily export limit must be positive and the storage quota not negative")
	}
	if c.Limits.LoginsPerIP <= 0 || c.Limits.LoginsPerAccount <= 0 || c.Limits.SignupsPerIP <= 0 {
		return fmt.Errorf("config: rate limits must be positive")
	}
	return nil
}

// validateBlobs checks the object storage URLs: only hosted regions, and
// never two regions in one bucket and prefix, so a region's objects can
// only land in its own place.
func (c *Config) validateBlobs() error {
	places := map[string]kurz.Region{}
	for r, u := range c.Blobs {
		if !slices.Contains(c.Regions, r) {
			return fmt.Errorf("config: object storage given for region %s, which is not hosted here", r)
		}
		bc, err := s3blob.ParseURL(u)
		if err != nil {
			return fmt.Errorf("config: region %s: %w", r, err)
		}
		place := bc.Endpoint + " " + path.Join(bc.Bucket, bc.Prefix)
		if other, ok := places[place]; ok {
			return fmt.Errorf("config: regions %s and %s share the bucket %s and prefix %q; give each region its own", other, r, bc.Bucket, bc.Prefix)
		}
		for p, other := range places {
			if strings.HasPrefix(place+"/", p+"/") || strings.HasPrefix(p+"/", place+"/") {
				return fmt.Errorf("config: region %s's objects would lie inside region %s's prefix in bucket %s", r, other, bc.Bucket)
			}
		}
		places[place] = r
	}
	return nil
}
