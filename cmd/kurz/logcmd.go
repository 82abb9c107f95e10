package main

import (
	"context"
	"fmt"
	"time"
)

const logUsage = `usage: kurz log compact --region R [--data DIR] [--db R=postgres://…]

  compact   drop every public-log entry that a later one about the same object
            supersedes, and removals older than 7 days (a peer further behind
            re-reads the log from the start). Safe beside the serving process,
            which also compacts hourly.`

// logCmd runs "kurz log COMMAND".
func logCmd(args []string) error {
	if len(args) == 0 || args[0] != "compact" {
		fmt.Println(logUsage)
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			return nil
		}
		return fmt.Errorf("unknown log command %q", args[0])
	}
	_, c, err := openRegion("log compact", args[1:], nil)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	before, err := c.Store.TableCounts(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	n, horizon, err := c.Replication.Compact(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("compacted the public log of %s in %s: %d of %d entries dropped, %d left; horizon %d\n",
		c.Region, time.Since(start).Round(time.Millisecond), n, before["public_log"], before["public_log"]-n, horizon)
	return nil
}
