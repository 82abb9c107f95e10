package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/user"
	"strings"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/region"
	"kurz/safety"
	"kurz/sqlstore"
	"kurz/sqlstore/regionops"
	"kurz/transparency"
)

// The operator's daily commands (kurz admin …) as functions over an opened
// region, so that the command and the tests run the same code. Decisions
// about people and content go through Trust & Safety's decision path and
// produce statements of reasons; role changes go to the access audit log.

// Operator names the person at the command line in audit entries and
// decisions: "operator:" and their login name.
func Operator() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return "operator:" + name
}

// RoleRow is a staff role and who holds it.
type RoleRow struct {
	Handle    string    `json:"handle"`
	UserID    string    `json:"user_id"`
	Role      string    `json:"role"`
	GrantedBy string    `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
}

// ListRoles lists the region's staff roles.
func ListRoles(ctx context.Context, c *region.Region) ([]RoleRow, error) {
	grants, err := c.Store.Roles(ctx)
	if err != nil {
		return nil, err
	}
	var out []RoleRow
	for _, g := range grants {
		out = append(out, RoleRow{Handle: handleOf(ctx, c, g.UserID), UserID: g.UserID, Role: g.Role, GrantedBy: g.GrantedBy, GrantedAt: g.GrantedAt})
	}
	return out, nil
}

// RevokeRole takes a role away from the person with handle, audited.
func RevokeRole(ctx context.Context, c *region.Region, handle, role string) error {
	id, err := FindPerson(ctx, c, handle)
	if err != nil {
		return err
	}
	return c.Staff.Revoke(ctx, Operator(), id, role)
}

// AccountRow is one of the region's people as the operator sees them: no
// personal field (email, birth date, country) is shown; looking at those
// is the audited staff look (POST …/people/{handle}/personal).
type AccountRow struct {
	UserID         string    `json:"user_id"`
	Handle         string    `json:"handle"`
	CreatedAt      time.Time `json:"created_at"`
	Minor          bool      `json:"minor"`
	SuspendedUntil time.Time `json:"suspended_until,omitzero"`
	Roles          []string  `json:"roles,omitempty"`
	Videos         int       `json:"videos"`
}

// ListAccounts lists the region's people in sign-up order, from after
// afterID, at most limit.
func ListAccounts(ctx context.Context, c *region.Region, afterID string, limit int) ([]AccountRow, error) {
	profiles, err := c.Store.Profiles(ctx, afterID, limit)
	if err != nil {
		return nil, err
	}
	grants, err := c.Store.Roles(ctx)
	if err != nil {
		return nil, err
	}
	var out []AccountRow
	for _, p := range profiles {
		row := AccountRow{UserID: p.ID, Handle: p.Handle, CreatedAt: p.CreatedAt}
		if a, err := c.Store.AccountByID(ctx, p.ID); err == nil {
			row.Minor, row.SuspendedUntil = a.Minor, a.SuspendedUntil
		}
		for _, g := range grants {
			if g.UserID == p.ID {
				row.Roles = append(row.Roles, g.Role)
			}
		}
		if row.Videos, err = c.Store.CountVideos(ctx, p.ID, time.Time{}); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

// VideoRow is a video as the operator lists it.
type VideoRow struct {
	ID        string    `json:"id"`
	Owner     string    `json:"owner"`
	Status    string    `json:"status"`
	Visible   string    `json:"visibility"`
	Views     int64     `json:"views"`
	CreatedAt time.Time `json:"created_at"`
}

// ListVideos lists the videos of the person with handle, or with handle ""
// the region's videos in a status (ready by default).
func ListVideos(ctx context.Context, c *region.Region, handle, status string) ([]VideoRow, error) {
	var vids []*kurz.Video
	var err error
	if handle != "" {
		id, ferr := FindPerson(ctx, c, handle)
		if ferr != nil {
			return nil, ferr
		}
		vids, err = c.Store.VideosOf(ctx, id)
	} else {
		if status == "" {
			status = kurz.StatusReady
		}
		vids, err = c.Store.VideosInStatus(ctx, status, c.Now().Add(time.Minute))
	}
	if err != nil {
		return nil, err
	}
	var out []VideoRow
	for _, v := range vids {
		if status != "" && handle != "" && v.Status != status {
			continue
		}
		out = append(out, VideoRow{ID: v.ID, Owner: handleOf(ctx, c, v.OwnerID), Status: v.Status, Visible: v.Visibility,
			Views: v.Views, CreatedAt: v.CreatedAt})
	}
	return out, nil
}

// Reasons is the statement of reasons the operator gives for a decision.
type Reasons struct {
	// Explanation is shown to the person affected (required).
	Explanation string
	// Category is a DSA transparency database category, e.g.
	// STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE.
	Category string
	// LegalGround names the law broken; empty means the terms of service.
	LegalGround string
	// Until ends a suspension (required for one; at most two years ahead,
	// longer is termination).
	Until time.Time
}

func (r Reasons) input(action string) safety.DecisionInput {
	in := safety.DecisionInput{Action: action, Ground: "terms", Explanation: r.Explanation}
	if r.LegalGround != "" {
		in.Ground, in.LegalGround = "illegal", r.LegalGround
	}
	if !r.Until.IsZero() {
		in.EndDate = r.Until.Format(time.DateOnly)
	}
	return in
}

// SuspendAccount suspends (or with terminate, terminates) the account of
// the person with handle: their sessions end, sign-in is refused until the
// end date, and they receive the statement of reasons.
func SuspendAccount(ctx context.Context, c *region.Region, handle string, terminate bool, why Reasons) (*transparency.Statement, error) {
	p, err := localPerson(ctx, c, handle)
	if err != nil {
		return nil, err
	}
	action := "suspend"
	if terminate {
		action, why.Until = "terminate", time.Time{}
	}
	return c.Safety.DecideAsOperator(ctx, Operator(), "account", p.ID, why.Category, why.input(action))
}

// RemoveVideo takes a video down everywhere (through the public log), with
// a statement of reasons to its owner.
func RemoveVideo(ctx context.Context, c *region.Region, videoID string, why Reasons) (*transparency.Statement, error) {
	return c.Safety.DecideAsOperator(ctx, Operator(), "video", videoID, why.Category, why.input("remove"))
}

// QueueStats are a region's queues at a glance: the job queue by queue and
// state, and the moderation queue's open items by kind and category.
type QueueStats struct {
	Jobs       []regionops.JobCount `json:"jobs"`
	Moderation map[string]int       `json:"moderation_open"`
	Oldest     time.Time            `json:"moderation_oldest,omitzero"`
}

// Queues counts the region's jobs and open moderation items.
func Queues(ctx context.Context, c *region.Region) (*QueueStats, error) {
	st := &QueueStats{Moderation: map[string]int{}}
	if db, ok := c.Store.(*sqlstore.DB); ok {
		jobs, err := db.JobCounts(ctx)
		if err != nil {
			return nil, err
		}
		st.Jobs = jobs
	}
	var after kurz.ItemCursor
	for {
		items, err := c.Store.OpenItems(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			st.Moderation[it.Kind+" "+it.Category]++
			if st.Oldest.IsZero() || it.CreatedAt.Before(st.Oldest) {
				st.Oldest = it.CreatedAt
			}
		}
		if len(items) < 500 {
			return st, nil
		}
		last := items[len(items)-1]
		after = kurz.ItemCursor{Priority: last.Priority, CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// localPerson finds a person of this region by handle.
func localPerson(ctx context.Context, c *region.Region, handle string) (*kurz.Profile, error) {
	h, err := kurz.NormalizeHandle(handle)
	if err != nil {
		return nil, err
	}
	p, err := c.Store.ProfileByHandle(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("no person with handle %q lives in region %s", h, c.Region)
	}
	return p, nil
}

// handleOf names a person of any region by handle, from this region's
// people or replicas ("" if unknown here).
func handleOf(ctx context.Context, c *region.Region, userID string) string {
	if p, err := c.Store.ProfileByID(ctx, userID); err == nil {
		return p.Handle
	}
	if data, err := c.Store.Replica(ctx, "profile", userID); err == nil {
		var p catalog.PublicProfile
		if json.Unmarshal(data, &p) == nil {
			return p.Handle
		}
	}
	return ""
}

// ResetPasswordLink makes a one-time link for the person with handle that
// sets a new password, valid for ttl; base is the site's public URL. The
// link is shown to the operator only (give it to the person by a channel
// you trust); the store keeps a hash of its token.
func ResetPasswordLink(ctx context.Context, c *region.Region, handle, base string, ttl time.Duration) (string, time.Time, error) {
	p, err := localPerson(ctx, c, handle)
	if err != nil {
		return "", time.Time{}, err
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", time.Time{}, fmt.Errorf("--url must be the site's address, like https://kurz.example.org")
	}
	token, exp, err := c.Accounts.IssuePasswordReset(ctx, Operator(), p.ID, ttl)
	if err != nil {
		return "", time.Time{}, err
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/reset-password"
	u.RawQuery = url.Values{"token": {token}}.Encode()
	return u.String(), exp, nil
}

// FirstAdmin is who "kurz admin create-admin" signs up.
type FirstAdmin struct {
	Handle, Email, Country, BirthDate string
}

// CreateAdmin signs a person up through the running server at base (so the
// handle directory, the email check across regions and the country's home
// region apply as for anyone), grants them admin in region c, and returns
// a one-time link that sets their password: the password the sign-up used
// is random and shown to nobody. Their home region must be c's (set the
// country accordingly), since the link is issued where their account lives.
func CreateAdmin(ctx context.Context, c *region.Region, base string, in FirstAdmin, ttl time.Duration) (link string, exp time.Time, err error) {
	pw := make([]byte, 24)
	rand.Read(pw)
	body, _ := json.Marshal(map[string]string{"handle": in.Handle, "email": in.Email, "password": base64.RawURLEncoding.EncodeToString(pw),
		"birth_date": in.BirthDate, "country": in.Country})
	req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimRight(base, "/")+"/api/v1/accounts", bytes.NewReader(body))
	if err != nil {
		return "", exp, fmt.Errorf("--url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return "", exp, fmt.Errorf("the server at %s cannot be reached (kurz admin create-admin signs up through it): %w", base, err)
	}
	defer resp.Body.Close()
	var out struct {
		ID     string      `json:"id"`
		Region kurz.Region `json:"region"`
		Error  struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
	if resp.StatusCode != http.StatusCreated {
		return "", exp, fmt.Errorf("sign-up refused (%d): %s", resp.StatusCode, out.Error.Message)
	}
	if out.Region != c.Region {
		return "", exp, fmt.Errorf("@%s was created but lives in region %s (by country %s): grant and reset there (kurz admin grant, reset-password --region %s)",
			in.Handle, out.Region, in.Country, out.Region)
	}
	if err := c.Staff.Grant(ctx, Operator(), out.ID, "admin"); err != nil {
		return "", exp, err
	}
	return ResetPasswordLink(ctx, c, in.Handle, base, ttl)
}
