package app

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kurz/link"
	"kurz/region"
)

// The region link's keys and transport: which secret signs which pair of
// regions, the email locator key, TLS between processes, and the refusal
// of plain http:// peers that are not on this machine.

// linkKeys builds the link's key material from the configuration: the
// shared secret (configured, or generated into <DataDir>/link.secret for a
// process whose peers all have pair secrets, or that has none), a secret
// per pair of a hosted region and a peer given one, and the locator
// secret.
func (m *Main) linkKeys() (*link.Keys, error) {
	k := &link.Keys{Pairs: map[link.Pair][]byte{}}
	var err error
	if m.Config.LinkSecret != "" {
		if k.Shared, err = decodeSecret(m.Config.LinkSecret); err != nil {
			return nil, fmt.Errorf("link secret: %w", err)
		}
	} else if k.Shared, err = m.generatedSecret(); err != nil {
		return nil, err
	}
	if m.Config.LocatorSecret != "" {
		if k.Locator, err = decodeSecret(m.Config.LocatorSecret); err != nil {
			return nil, fmt.Errorf("locator secret: %w", err)
		}
	}
	for peer, s := range m.Config.PeerSecrets {
		b, err := decodeSecret(s)
		if err != nil {
			return nil, fmt.Errorf("peer secret for %s: %w", peer, err)
		}
		for _, r := range m.Config.Regions {
			k.Pairs[link.PairOf(r, peer)] = b
		}
	}
	return k, k.Validate()
}

// decodeSecret reads a secret given as base64 of at least 32 bytes, or
// as at least 32 characters used as they are.
func decodeSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) >= link.MinSecretLen {
		return b, nil
	}
	if len(s) >= link.MinSecretLen {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("a secret must have at least %d bytes (base64, or as it is)", link.MinSecretLen)
}

// generatedSecret returns the secret generated once into
// <DataDir>/link.secret (mode 0600), for the pairs of regions no
// configured secret covers: the regions of this process among themselves.
func (m *Main) generatedSecret() ([]byte, error) {
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(m.Config.DataDir, "link.secret")
	if b, err := os.ReadFile(path); err == nil {
		return base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	}
	b := make([]byte, 32)
	rand.Read(b)
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(b)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// isLoopback reports whether a peer URL's host is this machine: localhost
// or a loopback address. Any other name counts as the network.
func isLoopback(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// plainRemote reports whether a peer is reached over plain http:// on an
// address that is not loopback: only with InsecureLink, and then no
// bearer token or password is forwarded there.
func plainRemote(rawURL string) bool {
	return strings.HasPrefix(rawURL, "http://") && !isLoopback(rawURL)
}

// validateLink checks the link's part of the configuration.
func (c *Config) validateLink() error {
	for r, u := range c.Peers {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("config: peer %s: URL must start with http:// or https://", r)
		}
		if pu, err := url.Parse(u); err != nil || pu.Host == "" || pu.User != nil || pu.RawQuery != "" || pu.Fragment != "" {
			return fmt.Errorf("config: peer %s: %q is not a base URL like https://host:port", r, u)
		}
		if plainRemote(u) && !c.InsecureLink {
			return fmt.Errorf("config: peer %s is reached over plain http:// at %s, which is not this machine: link calls, and the sign-ins "+
				"and sessions forwarded to it, would cross the network unencrypted. Use https:// with --link-ca (and --link-cert/--link-key "+
				"for mutual TLS), or pass --insecure-link to accept this (sessions and passwords are then never forwarded there)", r, u)
		}
	}
	for r, sec := range c.PeerSecrets {
		if _, ok := c.Peers[r]; !ok {
			return fmt.Errorf("config: a peer secret is given for %s, which is not a peer", r)
		}
		if _, err := decodeSecret(sec); err != nil {
			return fmt.Errorf("config: peer secret for %s: %w", r, err)
		}
	}
	for name, sec := range map[string]string{"link secret": c.LinkSecret, "locator secret": c.LocatorSecret} {
		if _, err := decodeSecret(sec); sec != "" && err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	if len(c.Peers) > 0 && c.LinkSecret == "" {
		for r := range c.Peers {
			if c.PeerSecrets[r] == "" {
				return fmt.Errorf("config: peer %s has no link secret: give a link secret shared by all regions, or a pair secret for every peer", r)
			}
		}
		if c.LocatorSecret == "" {
			return fmt.Errorf("config: without a shared link secret, a locator secret is required: every region must compute the same email locator")
		}
	}
	if (c.LinkCert == "") != (c.LinkKey == "") {
		return fmt.Errorf("config: --link-cert and --link-key go together")
	}
	if c.LinkAddr != "" && c.LinkCert == "" && !c.InsecureLink {
		return fmt.Errorf("config: a link listener (--link-addr) serves TLS: give --link-cert and --link-key, or --insecure-link")
	}
	return nil
}

// peerTLS is the TLS configuration of calls to peers: their certificates
// must chain to LinkCA when it is given (else to the system's roots), and
// this process presents LinkCert when it has one (mutual TLS).
func (c *Config) peerTLS() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.LinkCA != "" {
		pool, err := loadCA(c.LinkCA)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if c.LinkCert != "" {
		cert, err := tls.LoadX509KeyPair(c.LinkCert, c.LinkKey)
		if err != nil {
			return nil, fmt.Errorf("link certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// serverTLS is the TLS configuration of the listener peers call: it
// presents LinkCert and, with LinkCA, verifies client certificates
// against it (required on a listener of its own, else checked when given
// and required of link calls, see requirePeerCert).
func (c *Config) serverTLS(own bool) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.LinkCert, c.LinkKey)
	if err != nil {
		return nil, fmt.Errorf("link certificate: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if c.LinkCA != "" {
		if cfg.ClientCAs, err = loadCA(c.LinkCA); err != nil {
			return nil, err
		}
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		if own {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return cfg, nil
}

func loadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("link CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("link CA: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// peerClient is the HTTP client of link calls: bounded in time, with the
// peers' TLS configuration, and never following a redirect (a signed call
// goes to the address configured, or nowhere).
func peerClient(tlsCfg *tls.Config, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		Transport:     peerTransport(tlsCfg),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func peerTransport(tlsCfg *tls.Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Each transport gets its own copy: net/http writes its protocols
	// (ALPN) into the one it is given.
	t.TLSClientConfig = tlsCfg.Clone()
	t.Proxy = nil // peers are addressed directly; a proxy would see the link
	t.MaxIdleConnsPerHost = 16
	return t
}

// requirePeerCert refuses region link calls and forwarded requests that
// reach a TLS listener without a client certificate from the link CA,
// when one is configured: with mutual TLS, a peer is who its certificate
// says before its signature is even read.
func requirePeerCert(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/link/") || r.Header.Get(link.HeaderForward) != "" {
			if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"error":{"code":"unauthorized","message":"region link calls need a client certificate from the link CA"}}` + "\n"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// listen binds the main port and, with LinkAddr, the peers' port, both
// answering 503 "starting" until openGates: with TLS where configured.
func (m *Main) listen() error {
	var err error
	if m.Config.LinkCert != "" {
		if m.Config.LinkAddr == "" {
			// Peers call the main listener: it serves TLS.
			m.mainTLS, err = m.Config.serverTLS(false)
		} else {
			m.linkTLS, err = m.Config.serverTLS(true)
		}
		if err != nil {
			return err
		}
	}
	m.gate = &gate{version: BuildVersion()}
	if m.Config.Role == region.RoleWorker {
		return nil // a worker serves no HTTP: it calls peers, they never call it
	}
	if m.ln, err = net.Listen("tcp", m.Config.Addr); err != nil {
		return err
	}
	m.served = make(chan error, 2)
	m.server = m.newServer(m.gate, m.mainTLS)
	ln := m.fastListener()
	go func() { m.served <- serve(m.server, ln, m.mainTLS) }()
	if m.Config.LinkAddr == "" {
		return nil
	}
	if m.linkLn, err = net.Listen("tcp", m.Config.LinkAddr); err != nil {
		return err
	}
	m.linkGate = &gate{version: BuildVersion()}
	m.linkServer = m.newServer(m.linkGate, m.linkTLS)
	go func() { m.served <- serve(m.linkServer, m.linkLn, m.linkTLS) }()
	m.Log.Info("kurz listening for peers", "addr", m.linkLn.Addr().String(), "tls", m.linkTLS != nil, "mutual_tls", m.linkTLS != nil && m.Config.LinkCA != "")
	return nil
}

// openGates starts serving h on the listeners; where peers present
// client certificates from the link CA, link calls must.
func (m *Main) openGates(h http.Handler) {
	if m.server == nil {
		m.gate.open(h)
		return
	}
	main := h
	if m.mainTLS != nil && m.Config.LinkCA != "" {
		main = requirePeerCert(h)
	}
	m.gate.open(main)
	m.openFast()
	if m.linkGate != nil {
		lh := h
		if m.linkTLS != nil && m.Config.LinkCA != "" {
			lh = requirePeerCert(h)
		}
		m.linkGate.open(lh)
	}
}

func (m *Main) newServer(h http.Handler, tlsCfg *tls.Config) *http.Server {
	s := &http.Server{
		Handler:   h,
		TLSConfig: tlsCfg,
		ErrorLog:  slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	m.Config.Timeouts.Apply(s)
	return s
}

// serve serves s on ln, with TLS when tlsCfg (s's TLSConfig, which
// net/http may fill in for HTTP/2 even when nil) is set.
func serve(s *http.Server, ln net.Listener, tlsCfg *tls.Config) error {
	if tlsCfg != nil {
		return s.ServeTLS(ln, "", "")
	}
	return s.Serve(ln)
}

// LinkURL is the base URL peers reach this process at: the peers'
// listener when there is one, else the main one.
func (m *Main) LinkURL() string {
	if m.linkLn == nil {
		return m.URL()
	}
	if m.linkTLS != nil {
		return "https://" + m.linkLn.Addr().String()
	}
	return "http://" + m.linkLn.Addr().String()
}
