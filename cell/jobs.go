package cell

import (
	"context"
	"fmt"
	"kurz"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivermigrate"
)

// QueueMedia is the queue transcodes run on, so they never hold up other
// jobs.
const QueueMedia = "media"

// JobsConfig sizes a region's job queue.
type JobsConfig struct {
	// NodeID names this process to the queue.
	NodeID string
	// MediaWorkers is how many media jobs this region runs at once.
	MediaWorkers int
	// JobTimeout exceeds the longest job (a transcode).
	JobTimeout time.Duration
	// InsertOnly builds a queue that only enqueues: this node runs no
	// jobs (an API node whose region has workers elsewhere).
	InsertOnly bool
}

// PrepareJobs checks the job queue's tables: it creates them in a
// database that has none, applies pending migrations when migrate is set,
// and otherwise refuses tables that are behind.
func (c *Cell) PrepareJobs(ctx context.Context, migrate bool) error {
	m, err := rivermigrate.New(c.Store.RiverDriver(), nil)
	if err != nil {
		return err
	}
	if !migrate {
		have, err := m.ExistingVersions(ctx)
		// A database without the queue's tables reports an error or none.
		migrate = err != nil || len(have) == 0
	}
	if migrate {
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("job queue migration: %w", err)
		}
		return nil
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("job queue schema: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("the job queue's schema is behind this kurz (%s); back the database up and run \"kurz migrate\" (or start with --migrate)",
			strings.Join(res.Messages, "; "))
	}
	return nil
}

// OpenJobs builds the queue with the workers the services registered in
// c.Workers (PrepareJobs has checked its tables). Jobs can be inserted at
// once; they run once c.Jobs.Start is called.
func (c *Cell) OpenJobs(ctx context.Context, cfg JobsConfig) error {
	driver := c.Store.RiverDriver()
	var err error
	queues := map[string]river.QueueConfig{
		river.QueueDefault: {MaxWorkers: 4},
		QueueMedia:         {MaxWorkers: max(cfg.MediaWorkers, 1), FetchPollInterval: 250 * time.Millisecond},
	}
	if cfg.InsertOnly {
		queues = nil
	}
	c.Jobs, err = river.NewClient(driver, &river.Config{
		ID:                   cfg.NodeID,
		Logger:               c.Log.With("component", "jobs"),
		Queues:               queues,
		Workers:              c.Workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobTimeout + 5*time.Minute,
		FetchPollInterval:    250 * time.Millisecond,
		FetchCooldown:        100 * time.Millisecond,
	})
	if err != nil || c.OnJob == nil {
		return err
	}
	events, cancel := c.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	c.Go(func(ctx context.Context) {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				var d time.Duration
				if ev.JobStats != nil {
					d = ev.JobStats.RunDuration
				}
				c.OnJob(ev.Job.Kind, d, ev.Kind == river.EventKindJobFailed)
			}
		}
	})
	return nil
}

// HideAuthorArgs tells a region (this one too) to hide or show a person of
// this region's comments, as their standing is when the job runs (hidden
// while terminated or while their erasure is pending): jobs that run late
// or out of order still leave the comments as the account is. Enqueued
// by standing (terminations) and privacy (erasure requested or
// withdrawn); worked by standing.
type HideAuthorArgs struct {
	Region kurz.Region `json:"region"`
	Author string      `json:"author"`
}

// Kind names the job.
func (HideAuthorArgs) Kind() string { return "hide_author" }

// InsertOpts retries for about a day.
func (HideAuthorArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// HideAuthorJobs are the jobs that bring every region's view of person's
// comments in line with their standing.
func (c *Cell) HideAuthorJobs(person string) []river.InsertManyParams {
	jobs := make([]river.InsertManyParams, 0, len(c.Regions))
	for _, r := range c.Regions {
		jobs = append(jobs, river.InsertManyParams{Args: HideAuthorArgs{Region: r, Author: person}})
	}
	return jobs
}
