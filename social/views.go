package social

import (
	"context"
	"fmt"
	"strings"

	"kurz"
	"kurz/policy"
)

// Views counts views and their events (watch time, completion, share):
// a signed-in person's once per video and day, a signed-out visitor's
// once per network and day under a keyed hash; the counts go to the
// video's region as counter deltas, and the viewer's own views to their
// feeds (never recommended again).
type Views struct{ *core }

// ViewEvent is what a player reports with a view: nothing (the view
// itself, after two seconds of play), the watch time when the viewer
// leaves the clip (and whether it reached the end), or a share. Any event
// counts the view first, once per viewer, video and day; the watch time
// and the share each count once per viewer, video and day too, so a
// script repeating its reports adds nothing.
type ViewEvent struct {
	WatchMS   int64 `json:"watch_ms,omitempty"`
	Completed bool  `json:"completed,omitempty"`
	Shared    bool  `json:"shared,omitempty"`
}

// maxWatchMS caps one watch report whose video's duration is unknown.
const maxWatchMS = 10 * 60 * 1000

// Record counts a view once per person, video and day, with its
// event's watch time and share.
func (c *Views) Record(ctx context.Context, viewer *kurz.Profile, videoID string, ev ViewEvent) error {
	if err := c.visibleVideo(ctx, viewer, videoID, policy.Record); err != nil {
		return err
	}
	now := c.Now().UTC()
	err := c.Tx(ctx, func(q kurz.Queries) error {
		fresh, err := q.AddView(ctx, viewer.ID, videoID, now.Unix()/86400, now)
		if err == nil && fresh {
			err = c.QueueDelta(ctx, q, videoID, "views", 1)
		}
		if err != nil {
			return err
		}
		return c.recordEvent(ctx, q, "person\x00"+viewer.ID, videoID, ev)
	})
	if err == nil {
		c.Feeds.Viewed(viewer.ID, videoID)
	}
	return err
}

// RecordAnonymous counts a signed-out visitor's view of a public
// video once per network and day, with its event's watch time and share.
// network names the visitor's network (their address; an IPv6 /64) and is
// kept only inside a keyed hash with the video and the day, forgotten the
// day after (see the retention sweep): nothing of it can be read back, nor
// linked across days. (A device cookie would count phones behind one
// network apart, but a signed-out visitor has not agreed to one.)
func (c *Views) RecordAnonymous(ctx context.Context, network, videoID string, ev ViewEvent) error {
	if err := c.visibleVideo(ctx, nil, videoID, policy.Record); err != nil {
		return err
	}
	return c.Tx(ctx, func(q kurz.Queries) error {
		fresh, err := c.once(ctx, q, "anonymous-view", "network\x00"+network, videoID)
		if err == nil && fresh {
			err = c.QueueDelta(ctx, q, videoID, "views", 1)
		}
		if err != nil {
			return err
		}
		return c.recordEvent(ctx, q, "network\x00"+network, videoID, ev)
	})
}

// once reports whether what (a kind of event) by who on a video is the
// first today, remembering it as a keyed hash of the day, the video and
// who, forgotten the day after with the anonymous views.
func (c *Views) once(ctx context.Context, q kurz.Queries, what, who, videoID string) (bool, error) {
	day := kurz.Day(c.Now())
	var key []byte
	if what == "anonymous-view" {
		// The key anonymous views always had: counted views stay counted
		// across an upgrade.
		network := strings.TrimPrefix(who, "network\x00")
		key = c.Keys.Index(what, fmt.Appendf(nil, "%d\x00%s\x00%s", day, videoID, network))
	} else {
		key = c.Keys.Index("view-event", fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s", what, day, videoID, who))
	}
	return q.AddAnonymousView(ctx, key, day)
}

// recordEvent queues a view event's watch time and share as anonymous
// counter deltas to the video's region (its daily counts), each once.
func (c *Views) recordEvent(ctx context.Context, q kurz.Queries, who, videoID string, ev ViewEvent) error {
	if ev.WatchMS < 0 {
		return kurz.FieldError("watch_ms", "watch time cannot be negative")
	}
	if ev.WatchMS > 0 || ev.Completed {
		if err := c.recordWatch(ctx, q, who, videoID, ev); err != nil {
			return err
		}
	}
	if !ev.Shared {
		return nil
	}
	fresh, err := c.once(ctx, q, "share", who, videoID)
	if err != nil || !fresh {
		return err
	}
	return c.QueueDelta(ctx, q, videoID, "shares", 1)
}

// recordWatch counts a watch once: its time, at most the video's length
// (the whole length when it reached the end), and whether it did.
func (c *Views) recordWatch(ctx context.Context, q kurz.Queries, who, videoID string, ev ViewEvent) error {
	fresh, err := c.once(ctx, q, "watch", who, videoID)
	if err != nil || !fresh {
		return err
	}
	limit := int64(maxWatchMS)
	if v, ok := c.Index.Video(videoID); ok && v.DurationMS > 0 {
		limit = v.DurationMS
	} else if v, err := q.VideoByID(ctx, videoID); err == nil && v.DurationMS > 0 {
		limit = v.DurationMS
	}
	ms := min(ev.WatchMS, limit)
	if ev.Completed {
		ms = limit
	}
	if err := c.QueueDelta(ctx, q, videoID, "watch_ms", ms); err != nil {
		return err
	}
	if err := c.QueueDelta(ctx, q, videoID, "watches", 1); err != nil {
		return err
	}
	if !ev.Completed {
		return nil
	}
	return c.QueueDelta(ctx, q, videoID, "completions", 1)
}
