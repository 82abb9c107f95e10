package video

import (
	"context"
	"time"

	"kurz"
)

// StudioDays is how many days of daily numbers the studio shows.
const StudioDays = 30

// StudioDay is one day of a video's (or a profile's) numbers.
type StudioDay struct {
	Day         string `json:"day"` // 2006-01-02, UTC
	Views       int64  `json:"views"`
	Likes       int64  `json:"likes"`
	Comments    int64  `json:"comments"`
	Shares      int64  `json:"shares"`
	WatchMS     int64  `json:"watch_ms"`
	Watches     int64  `json:"watches"`
	Completions int64  `json:"completions"`
}

// StudioNumbers sum a video's or a profile's numbers. Views, likes and
// comments are the public counters (all time); shares, watch time and
// completions are kept per day from the day they were first counted.
type StudioNumbers struct {
	Views    int64 `json:"views"`
	Likes    int64 `json:"likes"`
	Comments int64 `json:"comments"`
	Shares   int64 `json:"shares"`
	// AvgWatchMS is the mean watch time of the views whose player
	// reported it; CompletionRate the share of those that reached the
	// end (0 to 1).
	AvgWatchMS     int64   `json:"avg_watch_ms"`
	CompletionRate float64 `json:"completion_rate"`
	Watches        int64   `json:"watches"`
}

// Removal says why a removed video was taken down: the decision, as its
// statement of reasons names it (the full statement is in the owner's
// notifications).
type Removal struct {
	DecisionID  string    `json:"decision_id,omitempty"`
	Category    string    `json:"category,omitempty"`
	Ground      string    `json:"ground,omitempty"`
	Explanation string    `json:"explanation"`
	At          time.Time `json:"at,omitzero"`
	Appealed    bool      `json:"appealed"`
}

// StudioVideo is one of the owner's videos with its numbers.
type StudioVideo struct {
	Video   *VideoJSON    `json:"video"`
	Numbers StudioNumbers `json:"numbers"`
	Removal *Removal      `json:"removal,omitempty"`
	Days    []StudioDay   `json:"days"`
}

// Studio is the creator studio: every video of its owner (newest first,
// whatever its status) and the profile's totals by day.
type Studio struct {
	Videos []*StudioVideo `json:"videos"`
	Totals StudioNumbers  `json:"totals"`
	Days   []StudioDay    `json:"days"`
}

// Studio returns owner's studio. Only the owner is ever shown it: the
// caller passes the signed-in person, and nothing here takes another's ID.
func (c *Service) Studio(ctx context.Context, owner *kurz.Profile) (*Studio, error) {
	if owner == nil {
		return nil, kurz.Errorf(kurz.EUnauthorized, "sign in to see your studio")
	}
	vids, err := c.Store.VideosOf(ctx, owner.ID)
	if err != nil {
		return nil, err
	}
	first := kurz.Day(c.Now()) - StudioDays + 1
	rows, err := c.Store.VideoStatsOf(ctx, owner.ID, 0)
	if err != nil {
		return nil, err
	}
	byVideo := map[string][]*kurz.VideoDay{}
	for _, r := range rows {
		byVideo[r.VideoID] = append(byVideo[r.VideoID], r)
	}
	out := &Studio{Videos: []*StudioVideo{}, Days: days(first, nil)}
	var all []*kurz.VideoDay
	for _, v := range vids {
		sv, err := c.studioVideo(ctx, v, byVideo[v.ID], first)
		if err != nil {
			return nil, err
		}
		out.Videos = append(out.Videos, sv)
		all = append(all, byVideo[v.ID]...)
		out.Totals.Views += v.Views
		out.Totals.Likes += v.Likes
		out.Totals.Comments += v.Comments
	}
	out.Days = days(first, all)
	sum(&out.Totals, all)
	return out, nil
}

// StudioVideo returns one video's numbers to its owner; anyone else gets
// ErrNotFound, as for a video they may not see.
func (c *Service) StudioVideo(ctx context.Context, owner *kurz.Profile, id string) (*StudioVideo, error) {
	v, err := c.Store.VideoByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if owner == nil || v.OwnerID != owner.ID {
		return nil, kurz.ErrNotFound
	}
	rows, err := c.Store.VideoStatsOf(ctx, owner.ID, 0)
	if err != nil {
		return nil, err
	}
	var mine []*kurz.VideoDay
	for _, r := range rows {
		if r.VideoID == id {
			mine = append(mine, r)
		}
	}
	return c.studioVideo(ctx, v, mine, kurz.Day(c.Now())-StudioDays+1)
}

func (c *Service) studioVideo(ctx context.Context, v *kurz.Video, rows []*kurz.VideoDay, first int64) (*StudioVideo, error) {
	rec, err := c.Record(ctx, v)
	if err != nil {
		return nil, err
	}
	sv := &StudioVideo{Video: rec, Days: days(first, rows)}
	if v.Status == kurz.StatusProcessing || v.Status == kurz.StatusPlayable {
		rec.Progress = &v.Progress // the studio is its owner's
	}
	sv.Numbers.Views, sv.Numbers.Likes, sv.Numbers.Comments = v.Views, v.Likes, v.Comments
	sum(&sv.Numbers, rows)
	if v.Status == kurz.StatusRemoved {
		sv.Removal = &Removal{Explanation: v.Error}
		ds, err := c.Store.DecisionsAbout(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range ds { // the latest decision is the one in force
			if sv.Removal.DecisionID == "" || d.CreatedAt.After(sv.Removal.At) {
				sv.Removal = &Removal{DecisionID: d.ID, Category: d.Category, Ground: d.Ground, Explanation: d.Explanation, At: d.CreatedAt, Appealed: d.Appealed}
			}
		}
	}
	return sv, nil
}

// sum adds the daily-only numbers of rows to n and works out the means.
func sum(n *StudioNumbers, rows []*kurz.VideoDay) {
	var watchMS, completions int64
	for _, r := range rows {
		n.Shares += r.Shares
		n.Watches += r.Watches
		watchMS += r.WatchMS
		completions += r.Completions
	}
	if n.Watches > 0 {
		n.AvgWatchMS = watchMS / n.Watches
		n.CompletionRate = float64(completions) / float64(n.Watches)
	}
}

// days spreads rows over the StudioDays days from first on, one entry a
// day (days without numbers are zero), summing rows of one day.
func days(first int64, rows []*kurz.VideoDay) []StudioDay {
	out := make([]StudioDay, StudioDays)
	for i := range out {
		out[i].Day = time.Unix((first+int64(i))*86400, 0).UTC().Format(time.DateOnly)
	}
	for _, r := range rows {
		i := r.Day - first
		if i < 0 || i >= StudioDays {
			continue
		}
		d := &out[i]
		d.Views += r.Views
		d.Likes += r.Likes
		d.Comments += r.Comments
		d.Shares += r.Shares
		d.WatchMS += r.WatchMS
		d.Watches += r.Watches
		d.Completions += r.Completions
	}
	return out
}
