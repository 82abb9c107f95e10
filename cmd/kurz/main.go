// Command kurz runs the kurz short-video platform.
//
//	kurz serve                     the embedded default: eu, us and sg in one process
//	kurz serve --regions eu --peer us=http://... --peer sg=http://...
//
// Run "kurz serve -h" for every flag.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"kurz"
	"kurz/app"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kurz:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "help", "-h", "--help":
		fmt.Println("usage: kurz serve [flags]   (kurz serve -h lists the flags)")
		return nil
	}
	return fmt.Errorf("unknown command %q (try: kurz serve)", args[0])
}

// pairs is a repeatable flag of region=value pairs.
type pairs map[kurz.Region]string

func (p pairs) String() string { return "" }
func (p pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return fmt.Errorf("want region=value, got %q", s)
	}
	p[kurz.Region(k)] = v
	return nil
}

// ParseServeFlags turns command-line flags (and KURZ_* environment
// variables for secrets) into a Config.
func ParseServeFlags(args []string, getenv func(string) string) (app.Config, error) {
	cfg := app.DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder; each hosted region gets <data>/<region>/")
	regions := fs.String("regions", "eu,us,sg", "comma-separated regions hosted by this process")
	fs.Var(pairs(cfg.Peers), "peer", "a region hosted elsewhere, as region=http://host:port (repeatable)")
	fs.Var(pairs(cfg.DB), "db", "PostgreSQL for a region, as region=postgres://... (repeatable; default SQLite)")
	fs.Var(pairs(cfg.KEK), "kek", "a region's key-encryption key, region=base64 (repeatable; or KURZ_KEK_<REGION>; default a key file)")
	dir := fs.String("directory", "", "region deciding handle claims (default: the first region)")
	def := fs.String("default-region", "", "home region for countries not in the table (default: the directory region)")
	countries := map[kurz.Region]string{}
	fs.Var(pairs(countries), "country", "override a country's home region, as DE=eu (repeatable)")
	fs.StringVar(&cfg.LinkSecret, "link-secret", "", "region link secret, base64 (or KURZ_LINK_SECRET)")
	var proxies string
	fs.StringVar(&proxies, "trusted-proxy", "", "comma-separated CIDRs allowed to set X-Forwarded-For")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark cookies Secure (set when served over HTTPS)")
	fs.IntVar(&cfg.Limits.SignupsPerIP, "signups-per-ip", cfg.Limits.SignupsPerIP, "sign-ups per IP address per hour")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg.Regions = nil
	for _, r := range strings.Split(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			cfg.Regions = append(cfg.Regions, kurz.Region(r))
		}
	}
	if len(cfg.Regions) > 0 {
		cfg.Directory = cfg.Regions[0]
	}
	if *dir != "" {
		cfg.Directory = kurz.Region(*dir)
	}
	cfg.Residency.Default = cfg.Directory
	if *def != "" {
		cfg.Residency.Default = kurz.Region(*def)
	}
	for c, r := range countries {
		cc, err := kurz.NormalizeCountry(string(c))
		if err != nil {
			return cfg, fmt.Errorf("--country %s: unknown country", c)
		}
		cfg.Residency.Countries[cc] = kurz.Region(r)
	}
	if cfg.LinkSecret == "" {
		cfg.LinkSecret = getenv("KURZ_LINK_SECRET")
	}
	for _, r := range cfg.Regions {
		if _, ok := cfg.KEK[r]; !ok {
			if k := getenv("KURZ_KEK_" + strings.ToUpper(string(r))); k != "" {
				cfg.KEK[r] = k
			}
		}
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			pf, err := netip.ParsePrefix(p)
			if err != nil {
				return cfg, fmt.Errorf("--trusted-proxy: %w", err)
			}
			cfg.TrustedProxies = append(cfg.TrustedProxies, pf)
		}
	}
	return cfg, cfg.Validate()
}

func serve(args []string) error {
	cfg, err := ParseServeFlags(args, os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	m := &app.Main{Config: cfg, Log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	m.Log.Info("shutting down")
	return m.Close()
}
