package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"kurz/app"
)

// backupCmd runs "kurz backup" (see README, "Backup and restore").
func backupCmd(args []string) error {
	var out, keysOut string
	cfg, c, err := openRegion("backup", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "folder or s3://bucket/prefix?endpoint=… for the database and blobs (empty or new)")
		fs.StringVar(&keysOut, "keys-out", "", "a separate folder or s3://… for the key store and KEK (never inside --out)")
	})
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	res, err := app.BackupRegion(context.Background(), cfg, c, out, keysOut)
	if err != nil {
		return err
	}
	var rows int64
	for _, n := range res.Data.Rows {
		rows += n
	}
	fmt.Printf("backed up %s (%s) in %s: %d rows, log head %d, generation %s, %d blobs (%d bytes) to %s; %d data keys and the KEK to %s\nbackup id %s: keep the two targets apart\n",
		c.Region, res.Data.Store, time.Since(start).Round(time.Millisecond), rows, res.Data.LogHead, res.Data.Generation, res.Data.Blobs, res.Data.BlobBytes, out,
		res.Keys.KeyRows, keysOut, res.Data.ID)
	return nil
}

// restoreCmd runs "kurz restore".
func restoreCmd(args []string) error {
	var from, keysFrom string
	cfg, r, err := regionFlags("restore", args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup's folder or s3://… (its data target)")
		fs.StringVar(&keysFrom, "keys-from", "", "the backup's keys target")
	})
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := app.RestoreRegion(context.Background(), cfg, r, from, keysFrom)
	if err != nil {
		return err
	}
	fmt.Printf("restored %s from backup %s of %s in %s: log head %d, %d blobs; new log generation %s (was %s): its peers drop what they hold of %s and read its log again\n",
		r, res.Backup.ID, res.Backup.CreatedAt.Format(time.RFC3339), time.Since(start).Round(time.Millisecond), res.Backup.LogHead, res.Blobs,
		res.Generation, res.Backup.Generation, r)
	if len(res.Erased) > 0 {
		fmt.Printf("%d people of the backup were erased after it: their data keys are destroyed again and their erasure runs again at start\n", len(res.Erased))
	}
	if res.KeysUnknown {
		fmt.Printf("warning: region %s had no key store to compare with, so people erased after the backup came back with it: run their erasures again (README, \"Backup and restore\")\n", r)
	}
	return nil
}
