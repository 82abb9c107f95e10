package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseServeFlags(t *testing.T) {
	env := map[string]string{"KURZ_LINK_SECRET": strings.Repeat("s", 32), "KURZ_KEK_EU": "a2V5"}
	cfg, _, err := ParseServeFlags([]string{"--regions", "eu", "--peer", "us=http://127.0.0.1:8082", "--peer", "sg=http://127.0.0.1:8083",
		"--db", "eu=postgres://x/y", "--country", "br=us", "--trusted-proxy", "10.0.0.0/8"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Regions) != 1 || cfg.Peers["us"] != "http://127.0.0.1:8082" || cfg.DB["eu"] != "postgres://x/y" ||
		cfg.Residency.Countries["BR"] != "us" || cfg.Directory != "eu" || cfg.KEK["eu"] != "a2V5" || len(cfg.TrustedProxies) != 1 {
		t.Fatalf("config = %+v", cfg)
	}
	for _, bad := range [][]string{
		{"--regions", "eu", "--peer", "us=http://x"}, // no link secret
		{"--regions", "EU"},
		{"--regions", "eu,eu"},
		{"--db", "us=mysql://x"},
		{"--db", "xx=postgres://x"},
		{"--directory", "mars"},
		{"--country", "ZZ=eu"},
		{"--country", "DE=mars"},
		{"--peer", "us=ftp://x", "--regions", "eu"},
		{"stray"},
		{"--uploads-per-day", "0"},
		{"--exports-per-day", "-1"},
		{"--storage-quota-mib", "-5"},
		{"--read-timeout", "0s"},
		{"--min-rate", "0"},
		{"--public-url", "kurz.example"},
		{"--public-url", "https://kurz.example/sub"},
		{"--public-url", "ftp://kurz.example"},
	} {
		if _, _, err := ParseServeFlags(bad, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	quota, _, err := ParseServeFlags([]string{"--uploads-per-day", "7", "--exports-per-day", "2", "--storage-quota-mib", "300"}, func(string) string { return "" })
	if err != nil || quota.DailyUploads != 7 || quota.DailyExports != 2 || quota.StorageQuota != 300<<20 {
		t.Fatalf("quota flags: %+v, %v", quota, err)
	}
	tm, _, err := ParseServeFlags([]string{"--read-timeout", "5s", "--write-timeout", "7s", "--idle-timeout", "9s", "--min-rate", "4096"}, func(string) string { return "" })
	if err != nil || tm.Timeouts.Read != 5*time.Second || tm.Timeouts.Write != 7*time.Second || tm.Timeouts.Idle != 9*time.Second || tm.Timeouts.MinRate != 4096 {
		t.Fatalf("timeout flags: %+v, %v", tm.Timeouts, err)
	}
	if pu, _, err := ParseServeFlags([]string{"--public-url", "https://kurz.example/"}, func(string) string { return "" }); err != nil || pu.PublicURL != "https://kurz.example/" {
		t.Fatalf("--public-url: %q, %v", pu.PublicURL, err)
	}
	def, _, err := ParseServeFlags(nil, func(string) string { return "" })
	if err != nil || len(def.Regions) != 3 || def.Addr != "127.0.0.1:8080" || def.DataDir != "./kurz-data" {
		t.Fatalf("default config = %+v, %v", def, err)
	}
}

// TestConfigSources: a TOML file, KURZ_* variables and flags set the same
// settings, later ones winning; unknown keys and bad values are refused
// with the setting named.
func TestConfigSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kurz.toml")
	os.WriteFile(file, []byte(`
addr = "127.0.0.1:9001"
data = "/srv/from-file"
regions = ["eu"]
topology = "eu-us"
peer = { us = "https://us.example.org" }
min-free-space = "1GiB"
keep-originals = true
transcode-slots = 3
retention = "720h"
trusted-proxy = ["10.0.0.0/8", "192.168.0.0/16"]
`), 0o600)
	env := map[string]string{
		"KURZ_CONFIG":      file,
		"KURZ_ADDR":        "127.0.0.1:9002", // environment over file
		"KURZ_LINK_SECRET": strings.Repeat("s", 32),
		"KURZ_NODE_ID":     "eu-1",
		"KURZ_LOG_LEVEL":   "warn",
	}
	cfg, _, err := ParseServeFlags([]string{"--data", "/srv/from-flag"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9002" || cfg.DataDir != "/srv/from-flag" || len(cfg.Regions) != 1 || cfg.Peers["us"] != "https://us.example.org" ||
		cfg.MinFreeBytes != 1<<30 || !cfg.KeepOriginals || cfg.TranscodeSlots != 3 || cfg.Retention != 720*time.Hour ||
		len(cfg.TrustedProxies) != 2 || cfg.NodeID != "eu-1" || cfg.LogLevel != slog.LevelWarn {
		t.Fatalf("config = %+v", cfg)
	}
	// The eu-us topology: no sg, Asia-Pacific goes to the default region.
	if cfg.Residency.Countries["US"] != "us" || cfg.Residency.Countries["DE"] != "eu" || cfg.Residency.HomeRegion("TH") != "eu" {
		t.Fatalf("eu-us table: US=%s DE=%s TH=%s", cfg.Residency.Countries["US"], cfg.Residency.Countries["DE"], cfg.Residency.HomeRegion("TH"))
	}
	// --config on the command line.
	cfg, _, err = ParseServeFlags([]string{"--config", file, "--addr", "127.0.0.1:9003"}, func(k string) string {
		if k == "KURZ_LINK_SECRET" {
			return strings.Repeat("s", 32)
		}
		return ""
	})
	if err != nil || cfg.Addr != "127.0.0.1:9003" || cfg.DataDir != "/srv/from-file" || cfg.LogLevel != slog.LevelInfo {
		t.Fatalf("--config: %+v %v", cfg, err)
	}
	if _, _, err := ParseServeFlags([]string{"--log-level", "loud"}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "log-level") {
		t.Fatalf("an unknown log level: %v", err)
	}

	for _, c := range []struct {
		file string
		env  map[string]string
		args []string
		want string
	}{
		{file: `adress = "x"`, want: `unknown setting "adress"`},
		{file: `min-free-space = "lots"`, want: "min-free-space"},
		{file: `addr = { eu = "x" }`, want: "addr takes a single value"},
		{file: `regions = [`, want: "config file"},
		{env: map[string]string{"KURZ_TRANSCODE_SLOTS": "many"}, want: "KURZ_TRANSCODE_SLOTS"},
		{args: []string{"--topology", "mars"}, want: `unknown topology "mars"`},
		// One region alone with the three-region table: told what to do.
		{args: []string{"--regions", "eu"}, want: "sends people to sg and us, which this process neither hosts nor has as peers"},
	} {
		env := map[string]string{}
		for k, v := range c.env {
			env[k] = v
		}
		if c.file != "" {
			f := filepath.Join(t.TempDir(), "bad.toml")
			os.WriteFile(f, []byte(c.file), 0o600)
			env["KURZ_CONFIG"] = f
		}
		_, _, err := ParseServeFlags(c.args, func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c, err, c.want)
		}
	}
	// A region alone needs no peers or secret with the single topology.
	if cfg, _, err := ParseServeFlags([]string{"--regions", "eu", "--topology", "single"}, func(string) string { return "" }); err != nil ||
		cfg.Residency.HomeRegion("US") != "eu" {
		t.Fatalf("single: %v", err)
	}
}

// writeSecret writes a secret file with the given mode.
func writeSecret(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSecretsFromFilesAndEnvironment: every secret can come from a file
// or the environment; one on the command line still works but is warned
// about; a file others can read, or a secret given twice, is refused.
func TestSecretsFromFilesAndEnvironment(t *testing.T) {
	link := strings.Repeat("L", 32)
	pair := strings.Repeat("P", 32)
	locator := strings.Repeat("C", 32)
	kek := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	noEnv := func(string) string { return "" }
	base := []string{"--regions", "eu", "--peer", "us=http://127.0.0.1:8082", "--peer", "sg=http://127.0.0.1:8083"}

	cfg, warnings, err := ParseServeFlags(append(base,
		"--link-secret-file", writeSecret(t, link, 0o600),
		"--peer-secret-file", "us="+writeSecret(t, pair, 0o600),
		"--locator-secret-file", writeSecret(t, locator, 0o400),
		"--kek-file", "eu="+writeSecret(t, kek, 0o600)), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LinkSecret != link || cfg.PeerSecrets["us"] != pair || cfg.LocatorSecret != locator || cfg.KEK["eu"] != kek || len(warnings) != 0 {
		t.Fatalf("from files: %q %q %q %q, warnings %v", cfg.LinkSecret, cfg.PeerSecrets, cfg.LocatorSecret, cfg.KEK, warnings)
	}

	env := map[string]string{"KURZ_LINK_SECRET": link, "KURZ_PEER_SECRET_US": pair, "KURZ_LOCATOR_SECRET": locator, "KURZ_KEK_EU": kek}
	cfg, warnings, err = ParseServeFlags(base, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LinkSecret != link || cfg.PeerSecrets["us"] != pair || cfg.LocatorSecret != locator || cfg.KEK["eu"] != kek || len(warnings) != 0 {
		t.Fatalf("from the environment: %q %q %q %q, warnings %v", cfg.LinkSecret, cfg.PeerSecrets, cfg.LocatorSecret, cfg.KEK, warnings)
	}

	// The command line wins over the environment, and only a value on the
	// command line itself is warned about; KURZ_<FLAG> names a file too.
	other := strings.Repeat("O", 32)
	cfg, warnings, err = ParseServeFlags(append(base, "--link-secret-file", writeSecret(t, link, 0o600)),
		func(k string) string { return map[string]string{"KURZ_LINK_SECRET": other}[k] })
	if err != nil || cfg.LinkSecret != link || len(warnings) != 0 {
		t.Fatalf("a file on the command line over the environment: %q %v %v", cfg.LinkSecret, warnings, err)
	}
	cfg, warnings, err = ParseServeFlags(base, func(k string) string {
		return map[string]string{"KURZ_LINK_SECRET_FILE": writeSecret(t, link, 0o600), "KURZ_KEK": "eu=" + kek}[k]
	})
	if err != nil || cfg.LinkSecret != link || cfg.KEK["eu"] != kek || len(warnings) != 0 {
		t.Fatalf("KURZ_LINK_SECRET_FILE and KURZ_KEK: %q %q %v %v", cfg.LinkSecret, cfg.KEK, warnings, err)
	}

	// Pair secrets for every peer and a locator secret: no shared secret.
	if _, _, err := ParseServeFlags(append(base, "--peer-secret-file", "us="+writeSecret(t, pair, 0o600),
		"--peer-secret-file", "sg="+writeSecret(t, pair, 0o600), "--locator-secret-file", writeSecret(t, locator, 0o600)), noEnv); err != nil {
		t.Fatalf("pair secrets and a locator secret: %v", err)
	}
	if _, _, err := ParseServeFlags(append(base, "--peer-secret-file", "us="+writeSecret(t, pair, 0o600),
		"--locator-secret-file", writeSecret(t, locator, 0o600)), noEnv); err == nil || !strings.Contains(err.Error(), "peer sg") {
		t.Fatalf("a peer without any secret: %v", err)
	}
	if _, _, err := ParseServeFlags(append(base, "--peer-secret-file", "us="+writeSecret(t, pair, 0o600), "--peer-secret-file", "sg="+writeSecret(t, pair, 0o600)), noEnv); err == nil ||
		!strings.Contains(err.Error(), "locator secret") {
		t.Fatalf("pair secrets without a locator secret: %v", err)
	}

	cfg, warnings, err = ParseServeFlags(append(base, "--link-secret", link, "--peer-secret", "us="+pair, "--kek", "eu="+kek), noEnv)
	if err != nil || cfg.LinkSecret != link || cfg.PeerSecrets["us"] != pair || cfg.KEK["eu"] != kek {
		t.Fatalf("on the command line: %+v %v", cfg, err)
	}
	if len(warnings) != 3 || !strings.Contains(strings.Join(warnings, "\n"), "--link-secret-file") {
		t.Fatalf("warnings: %q", warnings)
	}

	for name, args := range map[string][]string{
		"readable by others":  {"--link-secret-file", writeSecret(t, link, 0o644)},
		"readable by a group": {"--link-secret-file", writeSecret(t, link, 0o640)},
		"empty":               {"--link-secret-file", writeSecret(t, "", 0o600)},
		"missing":             {"--link-secret-file", filepath.Join(t.TempDir(), "nope")},
		"given twice":         {"--link-secret", link, "--link-secret-file", writeSecret(t, link, 0o600)},
		"kek twice":           {"--link-secret", link, "--kek", "eu=" + kek, "--kek-file", "eu=" + writeSecret(t, kek, 0o600)},
		"peer twice":          {"--link-secret", link, "--peer-secret", "us=" + pair, "--peer-secret-file", "us=" + writeSecret(t, pair, 0o600)},
		"short":               {"--link-secret-file", writeSecret(t, "short", 0o600)},
	} {
		if _, _, err := ParseServeFlags(append(base, args...), noEnv); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestPlainPeersOnTheNetwork: a plain http:// peer is accepted on
// loopback only, unless --insecure-link says otherwise; https:// peers
// anywhere.
func TestPlainPeersOnTheNetwork(t *testing.T) {
	env := func(k string) string {
		if k == "KURZ_LINK_SECRET" {
			return strings.Repeat("s", 32)
		}
		return ""
	}
	for peer, ok := range map[string]bool{
		"http://127.0.0.1:8082":      true,
		"http://127.9.9.9:8082":      true,
		"http://[::1]:8082":          true,
		"http://localhost:8082":      true,
		"https://10.0.0.5:8082":      true,
		"https://us.example.org":     true,
		"http://10.0.0.5:8082":       false,
		"http://us.example.org":      false,
		"http://[2001:db8::1]:8082":  false,
		"http://127.0.0.1.nip.io:80": false,
		"https://user:pw@host":       false,
		"https://":                   false,
	} {
		sg := []string{"--peer", "sg=https://sg.example.org"}
		_, _, err := ParseServeFlags(append([]string{"--regions", "eu", "--peer", "us=" + peer}, sg...), env)
		if ok != (err == nil) {
			t.Errorf("%s: %v", peer, err)
		}
		if !ok && strings.HasPrefix(peer, "http://") && err != nil && !strings.Contains(err.Error(), "--insecure-link") {
			t.Errorf("%s: the refusal does not say how to proceed: %v", peer, err)
		}
		if _, _, err := ParseServeFlags(append([]string{"--regions", "eu", "--insecure-link", "--peer", "us=" + peer}, sg...), env); strings.HasPrefix(peer, "http://") && err != nil {
			t.Errorf("%s with --insecure-link: %v", peer, err)
		}
	}
	for name, args := range map[string][]string{
		"cert without key":             {"--link-cert", "c.pem"},
		"key without cert":             {"--link-key", "k.pem"},
		"link listener without a cert": {"--link-addr", "127.0.0.1:0"},
	} {
		if _, _, err := ParseServeFlags(append([]string{"--regions", "eu", "--peer", "us=https://x", "--peer", "sg=https://y"}, args...), env); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
