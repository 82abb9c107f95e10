package main

import (
	"strings"
	"testing"
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
	} {
		if _, err := ParseServeFlags(bad, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	quota, err := ParseServeFlags([]string{"--uploads-per-day", "7", "--exports-per-day", "2", "--storage-quota-mib", "300"}, func(string) string { return "" })
	if err != nil || quota.DailyUploads != 7 || quota.DailyExports != 2 || quota.StorageQuota != 300<<20 {
		t.Fatalf("quota flags: %+v, %v", quota, err)
	}
	def, err := ParseServeFlags(nil, func(string) string { return "" })
	if err != nil || len(def.Regions) != 3 || def.Addr != "127.0.0.1:8080" || def.DataDir != "./kurz-data" {
		t.Fatalf("default config = %+v, %v", def, err)
	}
}
