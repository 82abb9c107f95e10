package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"filippo.io/age"

	"kurz"
	"kurz/app"
)

const regionUsage = `usage: kurz region COMMAND …   (see README, "Splitting off a region")

  keygen --out FILE                       make an age identity for the new operator (FILE, mode 0600)
                                          and print its public key ("age1…") to give to the exporter
  export --region R --out DIR|s3://… --recipient age1… [--data DIR] [--db R=postgres://…] [--blobs R=s3://…]
                                          write kurz-region-R.age into DIR or the bucket: the region's tables,
                                          key store, KEK, blobs and log, sealed to the recipient (safe while
                                          serving; refused for the handle directory: kurz directory help)
  import --region R --in FILE|DIR|s3://… --identity-file FILE [--force-relogin] [--data DIR] [--db R=postgres://…]
                                          verify the archive and restore it into fresh stores; the data
                                          keys are re-wrapped under a new KEK at once
  detach R --region OTHER [--data DIR] [--db OTHER=postgres://…]
                                          make OTHER forget R (stop OTHER's server first): R's replicas,
                                          edge copies, directory claims, R's people's comments on OTHER's
                                          videos, follows, likes and views of R's people and videos`

// regionCmd runs "kurz region COMMAND".
func regionCmd(args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Println(regionUsage)
		return nil
	}
	ctx := context.Background()
	switch cmd, args := args[0], args[1:]; cmd {
	case "keygen":
		fs := flag.NewFlagSet("region keygen", flag.ContinueOnError)
		out := fs.String("out", "", "file for the identity")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *out == "" {
			return fmt.Errorf("--out: give a file for the identity")
		}
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return err
		}
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "# created: %s\n# public key: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Println(id.Recipient())
		return nil
	case "export":
		var out, recipient string
		cfg, c, err := openRegion("region export", args, func(fs *flag.FlagSet) {
			fs.StringVar(&out, "out", "", "folder or s3://bucket/prefix?endpoint=… to write kurz-region-R.age to (S3 credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
			fs.StringVar(&recipient, "recipient", "", "the new operator's age public key (age1…)")
		})
		if err != nil {
			return err
		}
		defer c.Close()
		start := time.Now()
		m, where, err := app.ExportRegionTo(ctx, cfg, c, out, recipient)
		if err != nil {
			return err
		}
		var rows int64
		for _, n := range m.Rows {
			rows += n
		}
		fmt.Printf("exported %s to %s in %s: %d rows in %d tables, %d data keys, %d blobs (%d bytes), log head %d, %d handles\n",
			c.Region, where, time.Since(start).Round(time.Millisecond), rows, len(m.Rows), m.KeyRows, m.Blobs, m.BlobBytes, m.LogHead, len(m.Handles))
		return nil
	case "import":
		var in, idFile string
		var opt app.ImportOptions
		cfg, r, err := regionFlags("region import", args, func(fs *flag.FlagSet) {
			fs.StringVar(&in, "in", "", "the sealed archive: a file, its folder, or s3://bucket/prefix?endpoint=… it was exported to")
			fs.StringVar(&idFile, "identity-file", "", "the age identity the archive is sealed to")
			fs.BoolVar(&opt.ForceRelogin, "force-relogin", false, "leave the sessions out: everyone signs in again")
		})
		if err != nil {
			return err
		}
		id, err := os.ReadFile(idFile)
		if err != nil {
			return fmt.Errorf("--identity-file: %w", err)
		}
		archive, err := app.OpenArchive(ctx, in, r)
		if err != nil {
			return err
		}
		defer archive.Close()
		// Both reads (verify, restore) go through the one archive opened.
		open := func() (io.ReadCloser, error) {
			if _, err := archive.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			return io.NopCloser(archive), nil
		}
		start := time.Now()
		m, err := app.ImportRegion(ctx, cfg, r, open, string(id), opt)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(m.Positions)
		fmt.Printf("imported %s in %s: every table, key and blob matches the manifest; data keys re-wrapped under a new KEK; log head %d; peers were at %s\n",
			r, time.Since(start).Round(time.Millisecond), m.LogHead, b)
		return nil
	case "detach":
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("usage: kurz region detach R --region OTHER")
		}
		gone := kurz.Region(args[0])
		cfg, c, err := openRegion("region detach", args[1:], nil)
		if err != nil {
			return err
		}
		defer c.Close()
		res, err := app.DetachRegion(ctx, cfg, c, gone)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(res)
		fmt.Printf("detached %s from %s: %s\nstart %s again without --peer %s\n", gone, c.Region, b, c.Region, gone)
		return nil
	}
	return fmt.Errorf("unknown region command %q (try: kurz region help)", args[0])
}
