// Command kurz runs the kurz short-video platform.
//
//	kurz serve                     the embedded default: eu, us and sg in one process
//	kurz serve --regions eu --peer us=http://... --peer sg=http://...
//
// Run "kurz serve -h" for every flag.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"kurz"
	"kurz/app"
	"kurz/region"
	"kurz/transparency"
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
		return serve(args[1:], "")
	case "worker":
		return serve(args[1:], region.RoleWorker)
	case "admin":
		return admin(args[1:])
	case "safety":
		if len(args) > 1 && args[1] == "report" {
			return safetyReport(args[2:])
		}
	case "privacy":
		if len(args) > 1 && args[1] == "report" {
			return privacyReport(args[2:])
		}
		if len(args) > 1 && args[1] == "verify-audit" {
			return verifyAudit(args[2:])
		}
	case "migrate":
		return migrate(args[1:])
	case "keys":
		return keys(args[1:])
	case "log":
		return logCmd(args[1:])
	case "region":
		return regionCmd(args[1:])
	case "directory":
		return directoryCmd(args[1:])
	case "backup":
		return backupCmd(args[1:])
	case "restore":
		return restoreCmd(args[1:])
	case "config":
		if len(args) > 1 && args[1] == "example" {
			fmt.Print(exampleConfig)
			return nil
		}
	case "version", "--version", "-version":
		fmt.Println("kurz", app.BuildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (try: kurz serve)", args[0])
}

const usage = `usage:
  kurz serve [flags]                                    run the server (kurz serve -h lists the flags)
  kurz worker [serve's flags]                           run a region's jobs (transcodes, exports, erasure) without serving HTTP
  kurz version                                          print the version (also kurz --version)
  kurz config example                                   print an example config file (kurz serve --config FILE)
  kurz migrate [--check] [--regions eu,us,sg]           bring the databases to this version's schema (stop the server and back up first)
  kurz admin grant --region R --handle H --role ROLE    grant moderator, admin or privacy in region R (audited)
  kurz admin help                                       the operator's other commands: roles, revoke, accounts, suspend,
                                                        terminate, videos, remove-video, queue, reset-password
  kurz privacy report --region R [--json]               residency report: data classes, counts, flows, peers, self-check
  kurz safety report --region R --from D --to D [--format csv|json]   transparency report of moderation decisions
  kurz privacy verify-audit --region R                  verify the access audit log's hash chain
  kurz keys rotate --region R [--batch N] [--pause D]   re-wrap every data key under a new KEK while serving; resumable
  kurz log compact --region R                           keep the latest public-log entry per object (also done hourly)
  kurz backup --region R --out DIR|s3://… --keys-out DIR2|s3://…
                                                        online snapshot of a running region: database, blobs; its key
                                                        store and KEK to the separate keys target
  kurz restore --region R --from DIR --keys-from DIR2   put a backup back (the region stopped); its log gets a new
                                                        generation, so its peers drop what they hold of it and re-read it
  kurz region keygen|export|import|detach …             split a region off to another operator (kurz region help)
  kurz directory export|import …                        move the handle directory to another region (kurz directory help)
The admin and privacy commands take --data and --db like serve.`

// openRegion parses the flags shared by the admin commands and opens the
// region's stores (without serving). Close the cell when done.
func openRegion(name string, args []string, extra func(*flag.FlagSet)) (app.Config, *region.Region, error) {
	cfg, r, err := regionFlags(name, args, extra)
	if err != nil {
		return cfg, nil, err
	}
	c, err := app.OpenRegion(context.Background(), cfg, r)
	return cfg, c, err
}

// regionFlags parses the flags shared by the admin commands.
func regionFlags(name string, args []string, extra func(*flag.FlagSet)) (app.Config, kurz.Region, error) {
	cfg := app.DefaultConfig()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder")
	fs.StringVar(&cfg.KeysDir, "keys-dir", cfg.KeysDir, "keys folder (default: <data>-keys)")
	region := fs.String("region", "", "the region")
	fs.Var(pairs(cfg.DB), "db", "PostgreSQL for a region, as region=postgres://...")
	fs.Var(pairs(cfg.KeyDB), "key-db", "PostgreSQL for a region's wrapped data keys, as region=postgres://...")
	fs.Var(pairs(cfg.Blobs), "blobs", "object storage for a region, as region=s3://bucket/prefix?endpoint=…")
	var secrets secretFlags
	secrets.register(fs, false)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, "", err
	}
	r := kurz.Region(*region)
	if err := r.Validate(); err != nil {
		return cfg, "", fmt.Errorf("--region: %w", err)
	}
	cfg.Regions = []kurz.Region{r}
	warnings, err := secrets.resolve(&cfg, args, os.Getenv, false)
	if err != nil {
		return cfg, "", err
	}
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "kurz: warning:", w)
	}
	return cfg, r, nil
}

func adminGrant(args []string) error {
	var handle, role string
	_, c, err := openRegion("admin grant", args, func(fs *flag.FlagSet) {
		fs.StringVar(&handle, "handle", "", "the person's handle")
		fs.StringVar(&role, "role", "", "moderator, admin or privacy")
	})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	id, err := app.FindPerson(ctx, c, handle)
	if err != nil {
		return err
	}
	by := "cli:" + os.Getenv("USER")
	if err := c.Staff.Grant(ctx, by, id, role); err != nil {
		return err
	}
	fmt.Printf("granted %s in %s to @%s (%s)\n", role, c.Region, strings.TrimPrefix(handle, "@"), id)
	return nil
}

func privacyReport(args []string) error {
	var asJSON bool
	cfg, c, err := openRegion("privacy report", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	rep, err := app.ResidencyReport(ctx, cfg, c)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Printf("Residency report for region %s\n\nTABLE                 CLASS                  ROWS\n", c.Region)
	for _, t := range rep.Tables {
		fmt.Printf("%-21s %-22s %d\n", t.Table, t.Class, t.Rows)
	}
	fmt.Println("\nWhere each class may flow:")
	for _, class := range []string{"public", "personal", "regional-operational"} {
		fmt.Printf("  %-21s %s\n", class, rep.Flows[class])
	}
	fmt.Println("\nLink peers (public log replicated up to):")
	for p, seq := range rep.Peers {
		fmt.Printf("  %-6s %d\n", p, seq)
	}
	fmt.Println("\nSelf-check:")
	for _, l := range rep.Checks {
		fmt.Println("  " + l)
	}
	if !rep.CheckOK {
		return fmt.Errorf("the residency self-check failed")
	}
	return nil
}

func safetyReport(args []string) error {
	var fromS, toS, format string
	_, c, err := openRegion("safety report", args, func(fs *flag.FlagSet) {
		fs.StringVar(&fromS, "from", "1970-01-01", "first day, YYYY-MM-DD")
		fs.StringVar(&toS, "to", time.Now().AddDate(0, 0, 1).Format(time.DateOnly), "day after the last, YYYY-MM-DD")
		fs.StringVar(&format, "format", "json", "json or csv")
	})
	if err != nil {
		return err
	}
	defer c.Close()
	from, err := time.Parse(time.DateOnly, fromS)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	to, err := time.Parse(time.DateOnly, toS)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	ctx := context.Background()
	rep, err := transparency.Report(ctx, c.Store, c.Region, from, to)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		w := csv.NewWriter(os.Stdout)
		w.Write([]string{"region", "from", "to", "measure", "key", "value"})
		row := func(measure, key string, v any) {
			w.Write([]string{string(rep.Region), rep.From, rep.To, measure, key, fmt.Sprint(v)})
		}
		row("decisions", "", rep.Decisions)
		for k, v := range rep.ByCategory {
			row("category", k, v)
		}
		for k, v := range rep.ByAction {
			row("action", k, v)
		}
		row("automation", "automated", rep.Automated)
		row("automation", "manual", rep.Manual)
		row("median_hours_to_action", "", rep.MedianHoursToAction)
		row("appeals", "", rep.Appeals)
		row("reversals", "", rep.Reversals)
		w.Flush()
		return w.Error()
	}
	return fmt.Errorf("--format must be json or csv")
}

func verifyAudit(args []string) error {
	_, c, err := openRegion("privacy verify-audit", args, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	n, err := c.Staff.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("access audit log of %s: %d entries, chain intact\n", c.Region, n)
	return nil
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
// variables and files for secrets) into a Config. The warnings name
// secrets given on the command line.
func ParseServeFlags(args []string, getenv func(string) string) (app.Config, []string, error) {
	cfg := app.DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder; each hosted region gets <data>/<region>/")
	regions := fs.String("regions", "eu,us,sg", "comma-separated regions hosted by this process")
	fs.Var(pairs(cfg.Peers), "peer", "a region hosted elsewhere, as region=http://host:port (repeatable)")
	fs.Var(pairs(cfg.DB), "db", "PostgreSQL for a region, as region=postgres://... (repeatable; default SQLite)")
	fs.Var(pairs(cfg.KeyDB), "key-db", "PostgreSQL for a region's wrapped data keys, as region=postgres://... (repeatable; needed when a region runs on several nodes; back it up apart from the main database)")
	fs.Var(pairs(cfg.Blobs), "blobs", "object storage for a region's media, as region=s3://bucket/prefix?endpoint=…&region=… (repeatable; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; default the region's folder)")
	fs.Var(pairs(cfg.SMTP), "smtp", "a region's own mail relay, as region=smtp://user:pass@host:587 (STARTTLS) or smtps://…:465 (repeatable; default: mail is written to --mail-dir)")
	fs.StringVar(&cfg.MailDir, "mail-dir", "", "where regions without --smtp write their mail, as <dir>/<region>/*.eml (default: <data>-mail)")
	fs.StringVar(&cfg.MailFrom, "mail-from", cfg.MailFrom, "the sender address of kurz's mail")
	fs.BoolFunc("no-jobs", "run no jobs on this node (an API node whose region runs kurz worker elsewhere)", func(string) error { cfg.Role = region.RoleAPI; return nil })
	fs.TextVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "the least severe log lines written: debug, info, warn or error")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9090 (never on the public port)")
	fs.BoolVar(&cfg.MediaRedirect, "media-redirect", false, "answer public media requests of S3-stored regions with a redirect to a short-lived presigned URL instead of streaming through kurz")
	dir := fs.String("directory", "", "region deciding handle claims (default: the first region)")
	def := fs.String("default-region", "", "home region for countries not in the table (default: the directory region)")
	countries := map[kurz.Region]string{}
	fs.Var(pairs(countries), "country", "override a country's home region, as DE=eu (repeatable)")
	var secrets secretFlags
	secrets.register(fs, true)
	fs.StringVar(&cfg.LinkAddr, "link-addr", "", "a listener of its own for peers (region link, forwarded requests, media), serving TLS with --link-cert")
	fs.StringVar(&cfg.LinkCert, "link-cert", "", "PEM certificate this process presents to peers (on --link-addr, else on --addr) and as a client")
	fs.StringVar(&cfg.LinkKey, "link-key", "", "PEM private key of --link-cert")
	fs.StringVar(&cfg.LinkCA, "link-ca", "", "PEM CA that peers' certificates must chain to: pins https:// peers and requires their client certificates")
	fs.BoolVar(&cfg.InsecureLink, "insecure-link", false, "accept plain http:// peers on the network (sessions and sign-ins are then not forwarded to them)")
	var proxies string
	fs.StringVar(&proxies, "trusted-proxy", "", "comma-separated CIDRs allowed to set X-Forwarded-For")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark cookies Secure (set when served over HTTPS)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the origin people reach kurz at, like https://kurz.example, for absolute links (default: the listen address)")
	fs.IntVar(&cfg.Limits.SignupsPerIP, "signups-per-ip", cfg.Limits.SignupsPerIP, "sign-ups per IP address per hour")
	fs.IntVar(&cfg.HoldNewUploads, "hold-new-uploads", 0, "first uploads of week-old accounts that wait for review (0: none)")
	fs.Var(app.SizeFlag(&cfg.MinFreeBytes), "min-free-space", "free-space floor of each region folder, like 256MiB: uploads that would go below get 507 and /readyz 503 (0: none)")
	fs.BoolVar(&cfg.Migrate, "migrate", false, "apply pending schema migrations at start (a fresh database is always initialised; otherwise run kurz migrate)")
	fs.DurationVar(&cfg.ClaimTTL, "claim-ttl", cfg.ClaimTTL, "how long a moderator's claim on a queue item lasts")
	fs.StringVar(&cfg.NodeID, "node-id", "", "this node's name in the job queues, stable across restarts (default: the host name; set it where host names change, as in containers)")
	// Quotas count work started, not what is left of it.
	fs.IntVar(&cfg.DailyUploads, "uploads-per-day", cfg.DailyUploads, "uploads a person may create per UTC day (deleted ones count)")
	fs.IntVar(&cfg.DailyExports, "exports-per-day", cfg.DailyExports, "data exports a person may ask for per UTC day")
	storageMiB := fs.Int64("storage-quota-mib", cfg.StorageQuota>>20, "summed upload sizes of one person's videos, in MiB (0: no bound)")
	fs.DurationVar(&cfg.Timeouts.Read, "read-timeout", cfg.Timeouts.Read, "longest time to read a whole request (uploads are held to --min-rate instead)")
	fs.DurationVar(&cfg.Timeouts.Write, "write-timeout", cfg.Timeouts.Write, "longest time to write a response (media and export downloads are held to --min-rate instead)")
	fs.DurationVar(&cfg.Timeouts.Idle, "idle-timeout", cfg.Timeouts.Idle, "how long a kept-alive connection may wait for its next request")
	fs.Int64Var(&cfg.Timeouts.MinRate, "min-rate", cfg.Timeouts.MinRate, "slowest upload or download kept, in bytes per second over 20 seconds")
	topology := fs.String("topology", "eu-us-sg", "the country table: eu-us-sg, eu-us, eu-sg, or single (everyone in the default region); --country changes one entry")
	fs.BoolVar(&cfg.UnboxedMedia, "unboxed-media", false, "process uploads even where the media box (own user, Landlock, no network) cannot be made; without it such a server refuses uploads")
	fs.BoolVar(&cfg.NoFastMedia, "no-fast-media", false, "serve public media through net/http only (by default a fast core answers whole public media requests on a plain listener)")
	moreFlags(fs, &cfg)
	// Config file and KURZ_* environment first, flags over them.
	if err := parseSources(fs, args, getenv); err != nil {
		return cfg, nil, err
	}
	if fs.NArg() > 0 {
		return cfg, nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg.StorageQuota = *storageMiB << 20
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
	table, err := app.TopologyCountries(*topology)
	if err != nil {
		return cfg, nil, fmt.Errorf("--topology: %w", err)
	}
	cfg.Residency.Countries = table
	for c, r := range countries {
		cc, err := kurz.NormalizeCountry(string(c))
		if err != nil {
			return cfg, nil, fmt.Errorf("--country %s: unknown country", c)
		}
		cfg.Residency.Countries[cc] = kurz.Region(r)
	}
	warnings, err := secrets.resolve(&cfg, args, getenv, true)
	if err != nil {
		return cfg, nil, err
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			pf, err := netip.ParsePrefix(p)
			if err != nil {
				return cfg, nil, fmt.Errorf("--trusted-proxy: %w", err)
			}
			cfg.TrustedProxies = append(cfg.TrustedProxies, pf)
		}
	}
	return cfg, warnings, cfg.Validate()
}

func serve(args []string, role region.Role) error {
	cfg, warnings, err := ParseServeFlags(args, os.Getenv)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "kurz: warning:", w)
	}
	if role != "" {
		cfg.Role = role
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	m := &app.Main{Config: cfg, Log: app.NewLogger(os.Stderr, cfg.LogLevel)}
	if err := servePprof(m.Log); err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	governMemory(ctx, m.Log) // once the catalogue is loaded (its load runs without collections)
	<-ctx.Done()
	m.Log.Info("shutting down")
	return m.Close()
}
