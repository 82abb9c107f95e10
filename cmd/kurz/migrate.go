package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"kurz"
	"kurz/app"
)

// migrate runs "kurz migrate": every hosted region's databases to this
// binary's schema, or with --check their versions only (exit status 1 if
// any is behind).
func migrate(args []string) error {
	cfg := app.DefaultConfig()
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder")
	fs.StringVar(&cfg.KeysDir, "keys-dir", cfg.KeysDir, "keys folder (default: <data>-keys)")
	regions := fs.String("regions", "eu,us,sg", "comma-separated regions to migrate")
	fs.Var(pairs(cfg.DB), "db", "PostgreSQL for a region, as region=postgres://...")
	fs.Var(pairs(cfg.KeyDB), "key-db", "PostgreSQL for a region's key store, as region=postgres://...")
	fs.Var(pairs(cfg.KEK), "kek", "a region's key-encryption key, region=base64")
	check := fs.Bool("check", false, "only report the schema versions; exit 1 if any is behind")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Regions = nil
	for _, r := range strings.Split(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			if err := kurz.Region(r).Validate(); err != nil {
				return fmt.Errorf("--regions: %w", err)
			}
			cfg.Regions = append(cfg.Regions, kurz.Region(r))
			if k := os.Getenv("KURZ_KEK_" + strings.ToUpper(r)); k != "" && cfg.KEK[kurz.Region(r)] == "" {
				cfg.KEK[kurz.Region(r)] = k
			}
		}
	}
	out, err := app.Migrate(context.Background(), cfg, *check)
	behind := false
	for _, s := range out {
		switch {
		case *check && s.Before < s.Known:
			behind = true
			fmt.Printf("region %s, %s database: schema %d, this kurz needs %d (run kurz migrate)\n", s.Region, s.Store, s.Before, s.Known)
		case *check && s.Before > s.Known:
			behind = true
			fmt.Printf("region %s, %s database: schema %d is newer than this kurz (%d)\n", s.Region, s.Store, s.Before, s.Known)
		case s.Before != s.After:
			fmt.Printf("region %s, %s database: migrated from schema %d to %d\n", s.Region, s.Store, s.Before, s.After)
		default:
			fmt.Printf("region %s, %s database: schema %d, up to date\n", s.Region, s.Store, s.After)
		}
	}
	if err != nil {
		return err
	}
	if behind {
		return fmt.Errorf("some databases do not match this kurz's schema")
	}
	return nil
}
