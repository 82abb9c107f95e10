package app

import (
	"context"
	"os/exec"
	"sync"
	"testing"
)

// TestLockReleasedWhileProgramsStart: a region folder's lock is free the
// moment Close returns, even while the process is starting programs (the
// pipeline's ffmpeg): a child between its fork and its exec holds a copy
// of every descriptor, the lock file's among them, and closing ours alone
// would leave the lock held by that copy, so that a restart in the same
// process (or a supervisor's quick restart) was refused as "in use by
// another kurz process" naming this very process.
func TestLockReleasedWhileProgramsStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				exec.CommandContext(ctx, "true").Run()
			}
		}()
	}
	defer wg.Wait()
	defer cancel()
	for i := range 200 {
		l, err := lockDir(dir)
		if err != nil {
			t.Fatalf("take %d: %v", i, err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
