package main

import (
	"context"
	"flag"
	"fmt"

	"kurz"
	"kurz/app"
)

const directoryUsage = `usage: kurz directory COMMAND …   (see README, "Splitting off a region")

  export --region R --to NEW --out DIR|s3://… [--data DIR] [--db R=postgres://…]
                                          beside the serving directory region R: freeze its handle
                                          directory (from now on it refuses every claim and release:
                                          sign-ups answer 503 until the move ends) and write its handle
                                          claims to DIR or the bucket, for region NEW
  import --region NEW --in DIR|s3://… [--data DIR] [--db NEW=postgres://…]
                                          beside the serving region NEW: check the archive and take the
                                          claims in; then restart every region with --directory NEW,
                                          NEW first`

// directoryCmd runs "kurz directory COMMAND".
func directoryCmd(args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Println(directoryUsage)
		return nil
	}
	ctx := context.Background()
	switch cmd, args := args[0], args[1:]; cmd {
	case "export":
		var out, to string
		cfg, c, err := openRegion("directory export", args, func(fs *flag.FlagSet) {
			fs.StringVar(&to, "to", "", "the region the directory moves to")
			fs.StringVar(&out, "out", "", "folder or s3://bucket/prefix?endpoint=… for the directory archive (S3 credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
		})
		if err != nil {
			return err
		}
		defer c.Close()
		m, err := app.ExportDirectory(ctx, cfg, c, kurz.Region(to), out)
		if err != nil {
			return err
		}
		fmt.Printf("the handle directory of %s is frozen (it refuses claims and releases from now on); %d handle claims written for %s, archive %s\n"+
			"next: kurz directory import --region %s --in …, then restart every region with --directory %s (%s first)\n",
			c.Region, m.Rows["handle_claims"], m.To, m.ID, m.To, m.To, m.To)
		return nil
	case "import":
		var in string
		cfg, c, err := openRegion("directory import", args, func(fs *flag.FlagSet) {
			fs.StringVar(&in, "in", "", "the folder or s3://bucket/prefix?endpoint=… the directory was exported to")
		})
		if err != nil {
			return err
		}
		defer c.Close()
		m, err := app.ImportDirectory(ctx, cfg, c, in)
		if err != nil {
			return err
		}
		fmt.Printf("imported the handle directory of %s into %s: %d handle claims, archive %s\nnext: restart every region with --directory %s (%s first)\n",
			m.From, c.Region, m.Rows["handle_claims"], m.ID, c.Region, c.Region)
		return nil
	}
	return fmt.Errorf("unknown directory command %q (try: kurz directory help)", args[0])
}
