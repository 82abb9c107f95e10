package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"kurz/app"
)

// Every setting of "kurz serve" is a flag, and every flag can also come
// from a config file (TOML, --config FILE or KURZ_CONFIG) and from an
// environment variable; later sources win:
//
//	defaults < config file < KURZ_* environment < command-line flags
//
// The file's keys are the flag names (addr = "…", min-free-space =
// "1GiB", regions = ["eu"], peer = {us = "https://…"}); the variable of a
// flag is KURZ_ and its name in upper case with - as _ (KURZ_ADDR,
// KURZ_MIN_FREE_SPACE). Repeatable region=value flags take a table in the
// file and space-separated pairs in the environment (KURZ_PEER="us=https://a
// sg=https://b"); KURZ_KEK_<REGION> is read as before. An unknown key in
// the file is an error, so a misspelt setting never passes silently.

// moreFlags adds the settings of app.Config that have no flag of their own
// elsewhere.
func moreFlags(fs *flag.FlagSet, cfg *app.Config) {
	fs.StringVar(&cfg.KeysDir, "keys-dir", cfg.KeysDir, "folder of each region's KEK file and key store, <keys-dir>/<region>/ (default: <data>-keys); keep it on another disk and back it up apart")
	fs.StringVar(&cfg.Contact, "contact", cfg.Contact, "the operator's point of contact for authorities and users (DSA Art. 11, 12), e.g. an email address; shown on /imprint, /terms, /privacy, /about")
	fs.Var(app.SizeFlag(&cfg.MaxUploadBytes), "max-upload-size", "largest upload, like 512MiB")
	fs.DurationVar(&cfg.MaxVideoDuration, "max-video-duration", cfg.MaxVideoDuration, "longest video")
	fs.BoolVar(&cfg.KeepOriginals, "keep-originals", cfg.KeepOriginals, "keep raw uploads after processing (they are personal data)")
	fs.IntVar(&cfg.TranscodeSlots, "transcode-slots", cfg.TranscodeSlots, "transcodes at once in this process (0: one per 4 cores)")
	fs.DurationVar(&cfg.TranscodeTimeout, "transcode-timeout", cfg.TranscodeTimeout, "longest one transcode may take")
	fs.IntVar(&cfg.ProcessingAttempts, "processing-attempts", cfg.ProcessingAttempts, "tries before a video fails")
	fs.DurationVar(&cfg.ErasureGrace, "erasure-grace", cfg.ErasureGrace, "how long an erasure can be cancelled")
	fs.DurationVar(&cfg.Retention, "retention", cfg.Retention, "how long sign-in IP addresses are kept")
	fs.DurationVar(&cfg.ExportTTL, "export-ttl", cfg.ExportTTL, "how long a data export can be downloaded")
	fs.DurationVar(&cfg.UploadTTL, "upload-ttl", cfg.UploadTTL, "how long an unfinished upload is kept")
	fs.Var(app.SizeFlag(&cfg.EdgeCacheBytes), "edge-cache-size", "size of the cache of other regions' media, like 1GiB")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "longest a graceful shutdown waits for requests")
	fs.IntVar(&cfg.Limits.LoginsPerIP, "logins-per-ip", cfg.Limits.LoginsPerIP, "sign-in attempts per IP (IPv6: per /64) per login-ip-window")
	fs.DurationVar(&cfg.Limits.LoginIPWindow, "login-ip-window", cfg.Limits.LoginIPWindow, "window of logins-per-ip")
	fs.IntVar(&cfg.Limits.LoginsPerAccount, "logins-per-account", cfg.Limits.LoginsPerAccount, "sign-in attempts per account per login-account-window")
	fs.DurationVar(&cfg.Limits.LoginAccountWindow, "login-account-window", cfg.Limits.LoginAccountWindow, "window of logins-per-account")
	fs.IntVar(&cfg.Limits.LikesPerMinute, "likes-per-minute", cfg.Limits.LikesPerMinute, "likes and follows per person per minute")
	fs.IntVar(&cfg.Limits.CommentsPerMinute, "comments-per-minute", cfg.Limits.CommentsPerMinute, "comments per person per minute")
	fs.IntVar(&cfg.Limits.ReportsPerHour, "reports-per-hour", cfg.Limits.ReportsPerHour, "notices per person (or network) per hour")
}

// parseSources fills fs from the config file and the environment, then
// parses args over them.
func parseSources(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	path := getenv("KURZ_CONFIG")
	if fs.Lookup("config") == nil {
		fs.String("config", "", "a TOML config file; its keys are the flag names (or KURZ_CONFIG)")
	}
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, p := range []string{"--config=", "-config="} {
			if strings.HasPrefix(a, p) {
				path = strings.TrimPrefix(a, p)
			}
		}
		if (a == "--config" || a == "-config") && i+1 < len(args) {
			path = args[i+1]
		}
	}
	if path != "" {
		if err := loadConfigFile(fs, path); err != nil {
			return err
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || f.Name == "config" {
			return
		}
		env := "KURZ_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v := getenv(env)
		if v == "" {
			return
		}
		values := []string{v}
		if _, ok := f.Value.(pairs); ok {
			values = strings.Fields(v)
		}
		for _, v := range values {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", env, e)
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return fs.Parse(args)
}

// loadConfigFile sets the flags named by the keys of a TOML file.
func loadConfigFile(fs *flag.FlagSet, path string) error {
	var m map[string]any
	if _, err := toml.DecodeFile(path, &m); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := fs.Lookup(k)
		if f == nil || k == "config" {
			return fmt.Errorf("config file %s: unknown setting %q (the settings are the flags of kurz serve -h)", path, k)
		}
		var values []string
		switch v := m[k].(type) {
		case map[string]any:
			if _, ok := f.Value.(pairs); !ok {
				return fmt.Errorf("config file %s: %s takes a single value, not a table", path, k)
			}
			sub := make([]string, 0, len(v))
			for kk := range v {
				sub = append(sub, kk)
			}
			sort.Strings(sub)
			for _, kk := range sub {
				values = append(values, kk+"="+fmt.Sprint(v[kk]))
			}
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = fmt.Sprint(x)
			}
			values = []string{strings.Join(parts, ",")}
		default:
			values = []string{fmt.Sprint(v)}
		}
		for _, v := range values {
			if err := fs.Set(k, v); err != nil {
				return fmt.Errorf("config file %s: %s: %w", path, k, err)
			}
		}
	}
	return nil
}

// exampleConfig is printed by "kurz config example".
const exampleConfig = `# kurz serve settings. Every key is a flag of "kurz serve" (see kurz serve -h);
# KURZ_<NAME> environment variables override the file, flags override both.
addr = "127.0.0.1:8081"
data = "/var/lib/kurz"
regions = ["eu"]
topology = "eu-us"              # the country table: eu-us-sg, eu-us, eu-sg or single
directory = "eu"
peer = { us = "https://us.example.org" }
link-secret-file = "/etc/kurz/link.secret"   # mode 0600; or KURZ_LINK_SECRET. Never the secret itself in this file
link-addr = ":8443"                           # peers call here, over mutual TLS
link-cert = "/etc/kurz/eu.pem"
link-key = "/etc/kurz/eu-key.pem"
link-ca = "/etc/kurz/link-ca.pem"
min-free-space = "1GiB"
max-upload-size = "512MiB"
transcode-slots = 2
trusted-proxy = ["127.0.0.1/32"]
secure-cookies = true
node-id = "eu-1"
keys-dir = "/var/lib/kurz-keys"  # KEKs and key stores, on another disk than data
contact = "dsa-contact@example.org"
`
