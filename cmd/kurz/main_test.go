package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseServeFlags(t *testing.T) {
	env := map[string]string{"KURZ_LINK_SECRET": strings.Repeat("s", 32), "KURZ_KEK_EU": "a2V5"}
	cfg, err := ParseServeFlags([]string{"--regions", "eu", "--peer", "us=http://127.0.0.1:8082", "--peer", "sg=http://127.0.0.1:8083",
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
	} {
		if _, err := ParseServeFlags(bad, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	quota, err := ParseServeFlags([]string{"--uploads-per-day", "7", "--exports-per-day", "2", "--storage-quota-mib", "300"}, func(string) string { return "" })
	if err != nil || quota.DailyUploads != 7 || quota.DailyExports != 2 || quota.StorageQuota != 300<<20 {
		t.Fatalf("quota flags: %+v, %v", quota, err)
	}
	tm, err := ParseServeFlags([]string{"--read-timeout", "5s", "--write-timeout", "7s", "--idle-timeout", "9s", "--min-rate", "4096"}, func(string) string { return "" })
	if err != nil || tm.Timeouts.Read != 5*time.Second || tm.Timeouts.Write != 7*time.Second || tm.Timeouts.Idle != 9*time.Second || tm.Timeouts.MinRate != 4096 {
		t.Fatalf("timeout flags: %+v, %v", tm.Timeouts, err)
	}
	def, err := ParseServeFlags(nil, func(string) string { return "" })
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
	}
	cfg, err := ParseServeFlags([]string{"--data", "/srv/from-flag"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9002" || cfg.DataDir != "/srv/from-flag" || len(cfg.Regions) != 1 || cfg.Peers["us"] != "https://us.example.org" ||
		cfg.MinFreeBytes != 1<<30 || !cfg.KeepOriginals || cfg.TranscodeSlots != 3 || cfg.Retention != 720*time.Hour ||
		len(cfg.TrustedProxies) != 2 || cfg.NodeID != "eu-1" {
		t.Fatalf("config = %+v", cfg)
	}
	// The eu-us topology: no sg, Asia-Pacific goes to the default region.
	if cfg.Residency.Countries["US"] != "us" || cfg.Residency.Countries["DE"] != "eu" || cfg.Residency.HomeRegion("TH") != "eu" {
		t.Fatalf("eu-us table: US=%s DE=%s TH=%s", cfg.Residency.Countries["US"], cfg.Residency.Countries["DE"], cfg.Residency.HomeRegion("TH"))
	}
	// --config on the command line.
	cfg, err = ParseServeFlags([]string{"--config", file, "--addr", "127.0.0.1:9003"}, func(k string) string {
		if k == "KURZ_LINK_SECRET" {
			return strings.Repeat("s", 32)
		}
		return ""
	})
	if err != nil || cfg.Addr != "127.0.0.1:9003" || cfg.DataDir != "/srv/from-file" {
		t.Fatalf("--config: %+v %v", cfg, err)
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
		_, err := ParseServeFlags(c.args, func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error with %q", c, err, c.want)
		}
	}
	// A region alone needs no peers or secret with the single topology.
	if cfg, err := ParseServeFlags([]string{"--regions", "eu", "--topology", "single"}, func(string) string { return "" }); err != nil ||
		cfg.Residency.HomeRegion("US") != "eu" {
		t.Fatalf("single: %v", err)
	}
}
