package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// feedData (-feed-data) is a folder the feed benchmark seeds once and
// reuses on later runs: seeding a million videos takes minutes, and two
// builds compared on another day should read the same catalogue.
var feedData string

// feedState is what a later run needs of a seeded folder: the link secret
// its keys are sealed with, the people (with their sign-in tokens), how
// many videos it holds and at which sizes the histories were written.
type feedState struct {
	Secret    string
	Viewers   []*account
	Creators  []string
	Handles   map[string]string
	N         int
	Followed  bool
	Histories []int
}

func (c *catalogue) statePath() string { return filepath.Join(c.data, "bench-state.json") }

// loadState resumes a seeded folder; false if there is none.
func (c *catalogue) loadState() (*feedState, bool) {
	b, err := os.ReadFile(c.statePath())
	if err != nil {
		return nil, false
	}
	var s feedState
	if json.Unmarshal(b, &s) != nil || s.N == 0 {
		return nil, false
	}
	c.secret, c.viewers, c.creators, c.handles, c.n, c.followed = s.Secret, s.Viewers, s.Creators, s.Handles, s.N, s.Followed
	return &s, true
}

func (c *catalogue) saveState(s *feedState, historiesAt int) error {
	s.Secret, s.Viewers, s.Creators, s.Handles, s.N, s.Followed = c.secret, c.viewers, c.creators, c.handles, c.n, c.followed
	if historiesAt > 0 && !slices.Contains(s.Histories, historiesAt) {
		s.Histories = append(s.Histories, historiesAt)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(c.statePath(), b, 0o600)
}

// loadAvg is the 1-minute load average now.
func loadAvg() float64 {
	var l float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(b), &l)
	}
	return l
}
