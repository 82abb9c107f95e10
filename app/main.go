package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"kurz"
	"kurz/blob"
	"kurz/blob/s3blob"
	"kurz/cell"
	"kurz/edge"
	"kurz/fastcore"
	"kurz/ffmpeg"
	"kurz/guard"
	"kurz/httpapi"
	"kurz/link"
	"kurz/mail"
	"kurz/pipeline"
	"kurz/privacy"
	"kurz/region"
	"kurz/safety"
	"kurz/sqlstore"
	"kurz/web"
)

// Main is a running kurz process. Close is safe after a partial Run.
type Main struct {
	Config Config
	Log    *slog.Logger

	cells  map[kurz.Region]*region.Region
	api    *httpapi.Server
	ln     net.Listener
	server *http.Server
	served chan error
	slots  *pipeline.Slots
	media  *ffmpeg.Runner
	// started is when Run began (the start-up time is logged).
	started time.Time
	gate    *gate
	locks   []io.Closer
	// peerTLS is the TLS configuration of calls to peers; mainTLS and
	// linkTLS, when set, that of the main and the peers' listener.
	peerTLS, mainTLS, linkTLS *tls.Config
	// linkLn, linkGate and linkServer serve peers on Config.LinkAddr, if
	// set.
	linkLn     net.Listener
	linkGate   *gate
	linkServer *http.Server

	metricsLn     net.Listener
	metricsServer *http.Server
	// fast answers whole public media requests on a plain main listener
	// before net/http (fast.go); observeMedia counts them in the metrics.
	fast         *fastcore.Core
	observeMedia func(head bool, d time.Duration)
}

// Run starts the process in this order: it takes the lock of every hosted
// region (so a second process on the same data refuses to start before it
// touches anything), binds the port and answers 503 "starting" there, opens
// every hosted region (migrating if allowed), starts them, and then serves
// the API. It returns once the API is served, or with the first error
// (call Close then).
func (m *Main) Run(ctx context.Context) (err error) {
	m.started = time.Now()
	if err := m.Config.Validate(); err != nil {
		return err
	}
	// Never serve unstyled, inert pages: the bundle is built before go build.
	if !web.HasAssets() {
		return errors.New("the front-end is not built into this binary: run scripts/run.sh, or `cd web && npm ci && npm run build` before go build")
	}
	if m.Log == nil {
		m.Log = NewLogger(os.Stderr, m.Config.LogLevel)
	}
	m.Log.Info("kurz starting", "version", BuildVersion(), "regions", m.Config.Regions, "node_id", m.nodeID())
	if m.locks, err = lockRegions(ctx, &m.Config, m.nodeID()); err != nil {
		return err
	}
	keys, err := m.linkKeys()
	if err != nil {
		return err
	}
	secrets := keys.Secrets()
	if m.peerTLS, err = m.Config.peerTLS(); err != nil {
		return err
	}
	if err := m.listen(); err != nil {
		return err
	}
	m.api = &httpapi.Server{
		Version:        BuildVersion(),
		Cells:          map[kurz.Region]*region.Region{},
		Residency:      m.Config.Residency,
		Log:            m.Log,
		TrustedProxies: m.Config.TrustedProxies,
		SecureCookies:  m.Config.SecureCookies,
		MediaRedirect:  m.Config.MediaRedirect,
		Timeouts:       m.Config.Timeouts,
		// Device cookies must verify on every node of a region: their key
		// comes from the secret all nodes share.
		DeviceKey: guard.DeviceKey(keys.Shared),
		PeerTLS:   m.peerTLS,
	}
	m.api.Verifier = &link.Verifier{
		Secrets:  secrets,
		Serves:   func(r kurz.Region) bool { _, ok := m.cells[r]; return ok },
		Known:    func(r kurz.Region) bool { return slices.Contains(m.Config.AllRegions(), r) },
		Topology: m.Config.TopologyHash(),
	}
	m.api.Init(m.Config.Limits)
	// The pages (templates parsed, static files hashed) are made beside
	// the regions' start: they read nothing of the API until they serve.
	pagesMade := make(chan *web.Handler, 1)
	go func() { pagesMade <- web.New(httpapi.WebBackend{S: m.api}, m.Log.With("component", "web")) }()
	slots := m.Config.TranscodeSlots
	if slots <= 0 {
		slots = max(1, runtime.NumCPU()/4)
	}
	m.slots = pipeline.NewSlots(slots)
	m.newMediaRunner()
	m.api.Peers = map[kurz.Region]string{}
	m.api.PlainPeers = map[kurz.Region]bool{}
	for r, u := range m.Config.Peers {
		m.api.Peers[r] = strings.TrimRight(u, "/")
		m.api.PlainPeers[r] = plainRemote(u)
	}
	if len(m.Config.Peers) > 0 {
		m.api.Edge = &edge.Cache{Store: &blob.Dir{Root: filepath.Join(m.Config.DataDir, string(m.Config.Regions[0]), "edge")},
			MaxBytes: m.Config.EdgeCacheBytes, Client: peerClient(m.peerTLS, time.Minute)}
		// The cache's index lives in memory: start empty.
		if err := m.api.Edge.Store.DeletePrefix(ctx, ""); err != nil {
			return err
		}
	}
	// Every region is opened before any starts: what a started region
	// reads (the cells map through the link verifier, the API's cells)
	// is complete and never written again.
	cells := map[kurz.Region]*region.Region{}
	m.cells = cells
	for _, r := range m.Config.Regions {
		c, err := region.Open(ctx, m.regionConfig(r, secrets, keys.LocatorKey()))
		if err != nil {
			return fmt.Errorf("region %s: %w", r, err)
		}
		m.warnSharedDisk(r)
		cells[r] = c
		m.api.Cells[r] = c
		if m.api.Edge != nil {
			c.OnVideoGone = m.api.Edge.Purge
		}
	}
	// Metrics hook into the regions before they start (job events).
	named := map[string]*region.Region{}
	for r, c := range cells {
		named[string(r)] = c
	}
	instrument, err := m.startMetrics(named)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	for _, r := range m.Config.Regions {
		if err := cells[r].Start(ctx, m.Config.Role); err != nil {
			return fmt.Errorf("region %s: %w", r, err)
		}
	}
	m.api.Door = m.cells[m.Config.Regions[0]]
	pages := <-pagesMade
	// The operator's legal pages, editable while running (web/legal.go).
	pages.LegalDir, pages.Contact = filepath.Join(m.Config.DataDir, "pages"), m.Config.Contact
	pages.ResetPassword = m.api.ResetPassword
	// Absolute links name the configured origin, never a request's Host.
	pages.BaseURL = m.publicBase()
	m.api.Web = pages.Register

	m.openGates(instrument(m.api.Handler()))
	for _, c := range cells {
		c.Serving()
	}
	// The media box is tried once the regions serve: it runs ffmpeg three
	// times (half a second of CPU on an idle machine), and nothing but
	// media work needs it. Every use of the box (an upload's start, a
	// transcode) waits for this one check (ffmpeg.Runner.CheckBox). Close
	// does not: the check ends on its own (its ffmpeg runs are killed
	// after 30 s at most).
	go m.checkBox(ctx)
	if m.ln == nil {
		m.Log.Info("kurz working", "regions", m.Config.Regions, "version", BuildVersion(), "startup_seconds", time.Since(m.started).Seconds())
		return nil
	}
	m.Log.Info("kurz serving", "addr", m.ln.Addr().String(), "regions", m.Config.Regions, "version", BuildVersion(),
		"tls", m.mainTLS != nil, "startup_seconds", time.Since(m.started).Seconds())
	for r, u := range m.Config.Peers {
		if plainRemote(u) {
			m.Log.Warn("the link to this peer is plain http on the network (--insecure-link): sessions and sign-ins are not forwarded there", "peer", r)
		}
	}
	return nil
}

// migrateMode is how far a serving process may change the schema: a fresh
// database is always initialised, one that is behind only with --migrate.
func (m *Main) migrateMode() sqlstore.MigrateMode {
	if m.Config.Migrate {
		return sqlstore.MigrateAll
	}
	return sqlstore.MigrateFresh
}

// nodeID names this process in the job queues: the configured node ID,
// else the host name.
func (m *Main) nodeID() string {
	if m.Config.NodeID != "" {
		return m.Config.NodeID
	}
	h, _ := os.Hostname()
	return h
}

// publicBase is the origin absolute links name: the configured public URL,
// else the listen address.
func (m *Main) publicBase() string {
	if b := strings.TrimRight(m.Config.PublicURL, "/"); b != "" || m.ln == nil {
		return b
	}
	return "http://" + m.ln.Addr().String()
}

// URL is the base URL the server listens on.
func (m *Main) URL() string {
	if m.mainTLS != nil {
		return "https://" + m.ln.Addr().String()
	}
	return "http://" + m.ln.Addr().String()
}

// Cell returns a hosted cell (for tests and admin commands).
func (m *Main) Cell(r kurz.Region) *region.Region { return m.cells[r] }

func (m *Main) regionConfig(r kurz.Region, secrets link.Secrets, locator []byte) region.Config {
	peers := map[kurz.Region]string{}
	for _, other := range m.Config.Regions {
		peers[other] = "local"
	}
	for other, u := range m.Config.Peers {
		peers[other] = strings.TrimRight(u, "/")
	}
	nodeID := m.nodeID()
	dir := filepath.Join(m.Config.DataDir, string(r))
	var local http.Handler
	if m.api != nil {
		local = m.api.LinkHandler()
	}
	var blobs blob.Store
	if u, ok := m.Config.Blobs[r]; ok {
		bc, _ := s3blob.ParseURL(u) // checked by Validate
		blobs = s3blob.New(bc)
	}
	mailDir := m.Config.MailDir
	if mailDir == "" {
		mailDir = filepath.Clean(m.Config.DataDir) + "-mail"
	}
	var sender mail.Sender = &mail.Folder{Dir: filepath.Join(mailDir, string(r))}
	if u, ok := m.Config.SMTP[r]; ok {
		sender, _ = mail.ParseSMTP(u) // checked by Validate
	}
	return region.Config{
		Mail:   cell.MailConfig{Sender: sender, From: m.Config.MailFrom, BaseURL: m.publicBase()},
		Blobs:  blobs,
		Region: r,
		Dir:    dir,
		DB:     m.Config.DB[r],
		KeyDB:  m.Config.KeyDB[r],
		KEK:    m.Config.KEK[r],
		Log:    m.Log.With("region", string(r)),
		Link: &link.Client{From: r, Secrets: secrets, Peers: peers, Local: local, HTTP: peerClient(m.peerTLS, 10*time.Second),
			Topology: m.Config.TopologyHash()},
		Regions: m.Config.AllRegions(), Directory: m.Config.Directory,
		Locator: locator,
		Safety:  safety.SafetyConfig{HoldNewUploads: m.Config.HoldNewUploads, ClaimTTL: m.Config.ClaimTTL},
		// The operator's word list for captions and comments, one per line.
		WordFilterFile: filepath.Join(dir, "wordfilter.txt"),
		Migrate:        m.migrateMode(),
		KeysDir:        m.keysDir(r),
		MinFreeBytes:   m.Config.MinFreeBytes,
		Countries:      m.Config.Residency.CountriesOf(r),
		Privacy: privacy.PrivacyConfig{ErasureGrace: m.Config.ErasureGrace, Retention: m.Config.Retention,
			ExportTTL: m.Config.ExportTTL, FFmpeg: "ffmpeg", DailyExports: m.Config.DailyExports},
		Media: pipeline.MediaConfig{
			FFmpeg:         m.media,
			Slots:          m.slots,
			MaxUploadBytes: m.Config.MaxUploadBytes,
			DailyUploads:   m.Config.DailyUploads,
			StorageQuota:   m.Config.StorageQuota,
			KeepOriginals:  m.Config.KeepOriginals,
			MaxAttempts:    m.Config.ProcessingAttempts,
			NodeID:         nodeID + "/" + string(r),
			UploadTTL:      m.Config.UploadTTL,
			AcceptOnly:     m.Config.Role == region.RoleAPI,
			PublicMedia:    m.publicMedia(),
		},
	}
}

// checkBox finds out which parts of the media box this machine allows,
// and logs it.
func (m *Main) checkBox(ctx context.Context) {
	switch rep, err := m.media.CheckBox(ctx); {
	case m.Config.Role == region.RoleAPI:
		// Uploads are processed by the workers, which check their own box.
		m.Log.Info("media box not needed: this node only accepts uploads", "box", rep.String())
	case err == nil:
		m.Log.Info("media box ready", "box", rep.String())
	case m.Config.UnboxedMedia:
		m.Log.Warn("media box incomplete: processing media without it, as --unboxed-media asks", "box", rep.String(), "err", err)
	default:
		m.Log.Error("media box cannot be made: uploads are refused (pass --unboxed-media to process media without it)", "box", rep.String(), "err", err)
	}
}

// newMediaRunner makes the process's one ffmpeg runner: every region's
// pipeline shares it (and its box check).
func (m *Main) newMediaRunner() {
	m.media = &ffmpeg.Runner{Threads: max(1, runtime.NumCPU()/m.slots.Cap()), Unboxed: m.Config.UnboxedMedia,
		Limits: ffmpeg.Limits{MaxDuration: m.Config.MaxVideoDuration, TranscodeTimeout: m.Config.TranscodeTimeout,
			MaxFileSize: m.Config.MaxUploadBytes}}
}

// Close shuts down gracefully: readiness fails first, in-flight requests
// finish within the shutdown timeout, then the cells close. Calling it
// again does nothing.
func (m *Main) Close() error {
	var errs []error
	if m.metricsServer != nil {
		m.metricsServer.Close()
		m.metricsServer = nil
	}
	if m.server != nil {
		if m.api != nil {
			m.api.Drain()
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		if m.fast != nil {
			if err := m.fast.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		if err := <-m.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.server = nil
	}
	if m.linkServer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.linkServer.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		if err := <-m.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.linkServer = nil
	}
	for _, c := range m.cells {
		errs = append(errs, c.Close())
	}
	m.cells = nil
	// The locks go last: nothing of the regions is open any more.
	for _, l := range m.locks {
		errs = append(errs, l.Close())
	}
	m.locks = nil
	return errors.Join(errs...)
}

// NewLogger writes JSON log lines of level and above to w, each line
// logged for a request with its request_id.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(guard.LogRequestIDs(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}
