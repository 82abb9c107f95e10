package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"kurz/app"
	"kurz/keyring"
)

const keysUsage = `usage: kurz keys rotate --region R [--data DIR] [--keys-dir DIR] [--key-db R=postgres://…] [--batch N] [--pause D] [--json]

  rotate    re-wrap every data key of R under a fresh KEK, then overwrite and
            replace the old KEK file. Run it beside the serving process (it
            follows the key files); if interrupted, run it again: it carries on.`

// keys runs "kurz keys COMMAND".
func keys(args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Println(keysUsage)
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			return nil
		}
		return fmt.Errorf("unknown keys command %q", args[0])
	}
	var opt keyring.RotateOptions
	var asJSON bool
	cfg, c, err := openRegion("keys rotate", args[1:], func(fs *flag.FlagSet) {
		fs.IntVar(&opt.Batch, "batch", 500, "keys re-wrapped per batch")
		fs.DurationVar(&opt.Pause, "pause", 0, "wait between batches, to spare a busy database")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	defer c.Close()
	opt.Progress = func(r keyring.RotateResult) {
		fmt.Fprintf(os.Stderr, "progress: %d re-wrapped, %d already new\n", r.Rewrapped, r.Already)
	}
	start := time.Now()
	res, err := app.RotateKEK(context.Background(), cfg, c, opt)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	resumed := ""
	if res.Resumed {
		resumed = " (an interrupted rotation carried on)"
	}
	fmt.Printf("rotated the KEK of %s in %s%s: %d data keys re-wrapped, %d already under the new KEK, %d unopenable left as they were; the old KEK is destroyed\n",
		c.Region, time.Since(start).Round(time.Millisecond), resumed, res.Rewrapped, res.Already, res.Unopenable)
	return nil
}
