// Package privacy owns privacy rights: data exports (sealed archives),
// erasure by crypto-shredding with a grace period, the staff look at
// personal data (audited), and the retention sweep of sign-in IPs. It
// never imports another concern package; the API shape of a person's
// videos in their export comes through Records.
package privacy

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"kurz"
	"kurz/auth"
	"kurz/blob"
	"kurz/cell"
	"kurz/keyring"
	"kurz/link"
	"kurz/sealedmedia"
)

// Records renders a person's own videos for their export.
type Records interface {
	Video(ctx context.Context, viewer *kurz.Profile, v *kurz.Video) (any, error)
}

// Service applies the privacy rules of one region.
type Service struct {
	*cell.Cell
	Privacy PrivacyConfig
	Records Records
}

// New returns the privacy service of region c and registers its jobs.
func New(c *cell.Cell, cfg PrivacyConfig, records Records) *Service {
	s := &Service{Cell: c, Privacy: cfg, Records: records}
	river.AddWorker(c.Workers, &exportWorker{c: s})
	river.AddWorker(c.Workers, &eraseRemoteWorker{c: s})
	return s
}

// Start runs the retention and erasure sweep now and every minute.
func (c *Service) Start(ctx context.Context) {
	c.SweepPrivacy(ctx)
	// One node of the region sweeps.
	c.Go(func(ctx context.Context) {
		c.Lead(ctx, "sweep:privacy", func(ctx context.Context) {
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					c.SweepPrivacy(ctx)
				}
			}
		}, nil)
	})
}

// PrivacyConfig sets the privacy-rights timings.
type PrivacyConfig struct {
	// FFmpeg is the ffmpeg binary that remuxes videos into exports.
	FFmpeg string
	// ErasureGrace is how long an erasure can be cancelled (default 14 days).
	ErasureGrace time.Duration
	// Retention is how long sign-in IPs and expired sessions are kept.
	Retention time.Duration
	// ExportTTL is how long an export can be downloaded (default 7 days).
	ExportTTL time.Duration
	// DailyExports is how many exports a person may ask for per UTC day.
	DailyExports int
}

// PersonalView is what staff see of a person's personal data.
type PersonalView struct {
	ID      string `json:"id"`
	Handle  string `json:"handle"`
	Email   string `json:"email"`
	Country string `json:"country"`
}

// LookAtPersonalData lets staff of this region see a person's email and
// country, for a stated reason that goes to the access audit log. Staff of
// other regions are refused: looking from elsewhere is a transfer too.
func (c *Service) LookAtPersonalData(ctx context.Context, staff *kurz.Profile, handle, reason string) (*PersonalView, error) {
	if err := c.Staff.Require(ctx, staff, "you have no staff role in region "+string(c.Region), cell.RoleModerator, cell.RoleAdmin, cell.RolePrivacy); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if len(reason) < 5 {
		return nil, kurz.FieldError("reason", "say why you need to see this person's data")
	}
	p, err := c.Store.ProfileByHandle(ctx, strings.ToLower(handle))
	if err != nil {
		return nil, err
	}
	acct, err := c.Store.AccountByID(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	dk, err := c.DataKey(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	email, err := dk.Open("email", acct.EmailSealed)
	if err != nil {
		return nil, err
	}
	country, err := dk.Open("country", acct.CountrySealed)
	if err != nil {
		return nil, err
	}
	err = c.Tx(ctx, func(q kurz.Queries) error {
		return c.Staff.Audit(ctx, q, staff.ID, p.ID, "view", "email,country", reason)
	})
	if err != nil {
		return nil, err
	}
	return &PersonalView{ID: p.ID, Handle: p.Handle, Email: string(email), Country: string(country)}, nil
}

// --- export -------------------------------------------------------------

// ExportArgs builds a person's data export. It carries the export's
// random ID only.
type ExportArgs struct {
	ExportID string `json:"export_id"`
}

func (ExportArgs) Kind() string { return "export" }

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	c *Service
}

func (w *exportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return time.Hour }

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	return w.c.buildExport(ctx, job.Args.ExportID)
}

// RequestExport starts building a person's export in their home region.
func (c *Service) RequestExport(ctx context.Context, viewer *kurz.Profile) (*kurz.Export, error) {
	e := &kurz.Export{ID: cell.RandomID(), UserID: viewer.ID, Status: "pending", CreatedAt: c.Now().UTC(),
		ExpiresAt: c.Now().UTC().Add(c.Privacy.ExportTTL)}
	err := c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		// Exports are counted when asked for: each is a remux and a sealed
		// archive kept for days, whatever happens to it later.
		ok, err := q.TakeWork(ctx, viewer.ID, kurz.WorkExport, kurz.Day(e.CreatedAt), c.Privacy.DailyExports)
		if err != nil {
			return err
		}
		if !ok {
			return &kurz.Error{Code: kurz.ERateLimited, RetryAfter: int((kurz.Day(e.CreatedAt)+1)*86400 - e.CreatedAt.Unix()),
				Message: fmt.Sprintf("you have asked for %d data exports today, the daily limit; it resets at midnight UTC", c.Privacy.DailyExports)}
		}
		if err := q.PutExport(ctx, e); err != nil {
			return err
		}
		_, err = c.Jobs.InsertTx(ctx, tx, ExportArgs{ExportID: e.ID}, &river.InsertOpts{MaxAttempts: 3})
		return err
	})
	return e, err
}

// exportData is the machine-readable part of an export.
type exportData struct {
	Profile       *kurz.Profile       `json:"profile"`
	Account       map[string]any      `json:"account"`
	Sessions      []map[string]any    `json:"sessions"`
	Likes         []string            `json:"likes"`
	CommentLikes  []string            `json:"comment_likes"`
	Follows       []string            `json:"follows"`
	Views         []string            `json:"views"`
	Comments      []link.Comment      `json:"comments"`
	Videos        []any               `json:"videos"`
	Notifications []cell.Notification `json:"notifications"`
	Reports       []any               `json:"reports_filed"`
	Decisions     []any               `json:"moderation_decisions"`
	Consents      []map[string]any    `json:"consent_records"`
	AccessAudit   []*kurz.AuditEntry  `json:"staff_access_to_your_data"`
	Erasure       map[string]any      `json:"erasure_requested,omitempty"`
	Exports       []map[string]any    `json:"data_exports"`
	// Followers are the people who asked to follow the person's private
	// account, and whether they approved them.
	Followers []map[string]any `json:"followers_and_requests"`
	// InboxSettings are the person's inbox switches.
	InboxSettings *cell.InboxSettingsJSON `json:"inbox_settings"`
	// Blocks are the people the person blocked or muted. Notices that
	// someone of another region blocked them are left out: that is the
	// blocker's decision and personal data, kept here only to enforce it.
	Blocks []map[string]any `json:"blocks_and_mutes"`
}

// ExportCoverage says, for every table and column the migrations mark
// "class: personal", where a person's export holds it (a data.json key)
// or, after "not exported:", why not. TestExportCoverage fails on a
// personal table or column missing here, so a new kind of personal record
// cannot be forgotten by the export.
var ExportCoverage = map[string]string{
	"accounts":                   "account",
	"accounts.suspended_until":   "account",
	"accounts.feed_opt_out":      "account",
	"person_keys":                "not exported: the person's data key itself, which opens the sealed fields the export already shows in clear",
	"sessions":                   "sessions",
	"likes":                      "likes",
	"comment_likes":              "comment_likes",
	"follows":                    "follows",
	"views":                      "views",
	"erasures":                   "erasure_requested",
	"notifications":              "notifications",
	"exports":                    "data_exports",
	"follow_requests":            "followers_and_requests",
	"blocks":                     "blocks_and_mutes",
	"notices":                    "reports_filed",
	"work_done":                  "not exported: counts of uploads and exports started per day, kept two days for the daily limits",
	"password_resets":            "not exported: hashes of single-use links, which expire within hours",
	"accounts.email_verified_at": "account",
	"accounts.totp_sealed":       "not exported: the secret itself, which would let anyone holding the export make codes (whether it is on is account.two_factor)",
	"sessions.second_factor":     "sessions",
	"mail_queue":                 "not exported: mail waiting to be sent to the person, deleted once sent (minutes)",
	"account_tokens":             "not exported: hashes of single-use links, recovery codes and known devices, and mail counts per hour",
	"passkeys":                   "not exported: the public keys of the person's passkeys, useless outside this site; listed to the person in the settings",
	"inbox_settings":             "inbox_settings",
	"notifications.read_at":      "notifications",
	"notifications.group_key":    "not exported: what a notification is grouped with (the likes of one video), shown by the grouping itself",
	"deltas_out.note":            "not exported: a like's or follow's note to another person's inbox, on its way for seconds and deleted once delivered",
	"sessions.device_sealed":     "sessions",
	"sessions.used_at":           "sessions",
	"accounts.show_likes":        "account",
	"accounts.comments_from":     "account",
	"strikes":                    "not exported: each strike's statement of reasons, naming its decision, is in notifications; the rows only count strikes toward the strike rule",
}

const exportReadme = `Your kurz data
==============

data.json holds everything kurz keeps about you in your home region (%s):
your profile, your account fields (email, birth date, country), your
sessions with the sign-in IP addresses still kept, your likes of videos
and of comments, follows and watch history, the people you blocked or
muted, your comments (wherever they are stored), your videos with
their captions and statuses, your notifications, reports you filed,
moderation decisions about you, consent records, your settings, your data
exports and any erasure you asked for, and every time staff looked
at your personal data (who, which fields, why, when).

videos/ holds each of your processed videos in the best quality kept, as MP4.
profile-picture.jpg is your profile picture, if you have one.

This export was made on %s and can be downloaded until %s.
`

func (c *Service) buildExport(ctx context.Context, id string) error {
	e, err := c.Store.ExportByID(ctx, id)
	if errors.Is(err, kurz.ErrNotFound) {
		return nil // the person was erased meanwhile
	}
	if err != nil || e.Status != "pending" {
		return err
	}
	uid := e.UserID
	p, err := c.Store.ProfileByID(ctx, uid)
	if err != nil {
		return err
	}
	acct, err := c.Store.AccountByID(ctx, uid)
	if err != nil {
		return err
	}
	dk, err := c.DataKey(ctx, uid)
	if err != nil {
		return err
	}
	open := func(field string, b []byte) string {
		pt, err := dk.Open(field, b)
		if err != nil {
			return ""
		}
		return string(pt)
	}
	d := exportData{Profile: p, Reports: []any{}, Decisions: []any{},
		Consents: []map[string]any{{"what": "terms of service and privacy notice, accepted at sign-up", "at": acct.CreatedAt}}}
	d.Account = map[string]any{"email": open("email", acct.EmailSealed), "birth_date": open("birth_date", acct.BirthDateSealed),
		"country": open("country", acct.CountrySealed), "minor": acct.Minor, "created_at": acct.CreatedAt,
		"personalized_feed": !acct.FeedOptOut, "show_likes": acct.ShowLikes, "comments_from": acct.CommentsFrom}
	if !acct.SuspendedUntil.IsZero() {
		d.Account["suspended_until"] = acct.SuspendedUntil
	}
	if !acct.EmailVerifiedAt.IsZero() {
		d.Account["email_confirmed_at"] = acct.EmailVerifiedAt
	}
	d.Account["two_factor"] = acct.TOTPSealed != nil
	if runAt, err := c.Store.Erasure(ctx, uid); err == nil {
		d.Erasure = map[string]any{"runs_at": runAt}
	} else if !errors.Is(err, kurz.ErrNotFound) {
		return err
	}
	exports, err := c.Store.ExportsOf(ctx, uid)
	if err != nil {
		return err
	}
	for _, id := range exports {
		x, err := c.Store.ExportByID(ctx, id)
		if err != nil {
			continue // gone meanwhile
		}
		d.Exports = append(d.Exports, map[string]any{"id": x.ID, "status": x.Status, "created_at": x.CreatedAt})
	}
	sessions, err := c.Store.SessionsOf(ctx, uid)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		m := map[string]any{"created_at": s.CreatedAt, "expires_at": s.ExpiresAt, "second_factor": s.SecondFactor}
		if s.IPSealed != nil {
			m["ip"] = open("session_ip", s.IPSealed)
		}
		if s.DeviceSealed != nil {
			m["device"] = open("session_device", s.DeviceSealed)
		}
		if !s.UsedAt.IsZero() {
			m["last_used_at"] = s.UsedAt
		}
		d.Sessions = append(d.Sessions, m)
	}
	for _, approved := range []bool{false, true} {
		reqs, err := c.Store.FollowRequests(ctx, uid, approved)
		if err != nil {
			return err
		}
		for _, r := range reqs {
			d.Followers = append(d.Followers, map[string]any{"follower_id": r.FollowerID, "handle": r.Handle, "approved": r.Approved,
				"created_at": r.CreatedAt})
		}
	}
	if d.Likes, err = c.Store.LikedVideos(ctx, uid, 1<<30); err != nil {
		return err
	}
	if d.CommentLikes, err = c.Store.LikedComments(ctx, uid); err != nil {
		return err
	}
	if d.Follows, err = c.Store.Followees(ctx, uid); err != nil {
		return err
	}
	blocks, err := c.Store.BlocksOf(ctx, uid)
	if err != nil {
		return err
	}
	d.Blocks = []map[string]any{}
	for _, b := range blocks {
		if b.Kind == kurz.BlockedByKind {
			continue
		}
		m := map[string]any{"kind": b.Kind, "person_id": b.OtherID, "created_at": b.CreatedAt}
		if o, ok := c.Index.Profile(b.OtherID); ok {
			m["handle"] = o.Handle
		}
		d.Blocks = append(d.Blocks, m)
	}
	if d.Views, err = c.Store.ViewedVideos(ctx, uid, 0); err != nil {
		return err
	}
	for _, r := range c.Regions {
		out, err := c.Link.CommentsByAuthor(ctx, r, link.CommentsByAuthorRequest{Author: uid})
		if err != nil {
			return err
		}
		d.Comments = append(d.Comments, out.Items...)
	}
	vids, err := c.Store.VideosOf(ctx, uid)
	if err != nil {
		return err
	}
	for _, v := range vids {
		vj, err := c.Records.Video(ctx, p, v)
		if err != nil {
			return err
		}
		d.Videos = append(d.Videos, vj)
	}
	if d.InboxSettings, err = c.Inbox.Settings(ctx, p); err != nil {
		return err
	}
	if d.Notifications, err = c.Inbox.Notifications(ctx, p); err != nil {
		return err
	}
	// Notices the person filed (their own words; the notifier details they
	// gave are sealed with their key).
	notices, err := c.Store.NoticesBy(ctx, uid)
	if err != nil {
		return err
	}
	for _, id := range notices {
		n, err := c.Store.NoticeByID(ctx, id)
		if err != nil {
			return err
		}
		m := map[string]any{"id": n.ID, "target_type": n.TargetType, "target_id": n.TargetID, "category": n.Category,
			"explanation": n.Explanation, "created_at": n.CreatedAt}
		if n.NotifierSealed != nil {
			if details := open("notice:"+n.ID, n.NotifierSealed); details != "" {
				m["notifier"] = json.RawMessage(details)
			}
		}
		d.Reports = append(d.Reports, m)
	}
	// Moderation decisions about the person's account and videos, decided
	// in this region.
	about := []string{uid}
	for _, v := range vids {
		about = append(about, v.ID)
	}
	for _, id := range about {
		ds, err := c.Store.DecisionsAbout(ctx, id)
		if err != nil {
			return err
		}
		for _, dec := range ds {
			d.Decisions = append(d.Decisions, map[string]any{"id": dec.ID, "target_type": dec.TargetType, "target_id": dec.TargetID,
				"action": dec.Action, "ground": dec.Ground, "legal_ground": dec.LegalGround, "category": dec.Category,
				"explanation": dec.Explanation, "facts": dec.Facts, "automated_detection": dec.AutomatedDetection,
				"automated_decision": dec.AutomatedDecision, "territorial_scope": dec.TerritorialScope, "end_date": dec.EndDate,
				"created_at": dec.CreatedAt})
		}
	}
	if d.AccessAudit, err = c.Store.AuditEntries(ctx, uid); err != nil {
		return err
	}

	stage, cleanup, err := c.Blobs.Stage(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	tmp, err := os.Create(filepath.Join(stage, "export.sealed"))
	if err != nil {
		return err
	}
	defer tmp.Close()
	// The archive is sealed as it is written: no plaintext copy touches disk.
	sw := &sealWriter{w: tmp, dk: dk, field: "export:" + id}
	zw := zip.NewWriter(sw)
	now := c.Now().UTC()
	if w, err := zw.Create("README.txt"); err == nil {
		fmt.Fprintf(w, exportReadme, c.Region, now.Format(time.RFC1123), e.ExpiresAt.Format(time.RFC1123))
	}
	w, err := zw.Create("data.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	if p.Avatar != "" {
		if err := c.exportAvatar(ctx, zw, p, dk); err != nil {
			c.Log.Warn("export: profile picture not included", "err", err)
		}
	}
	for _, v := range vids {
		if !kurz.Showable(v.Status) {
			continue
		}
		if err := c.exportVideo(ctx, zw, v, stage); err != nil {
			c.Log.Warn("export: video not included", "video_id", v.ID, "err", err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := sw.Close(); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := c.Blobs.Put(ctx, cell.ExportKey(id), tmp); err != nil {
		return err
	}
	e.Status = "ready"
	return c.Tx(ctx, func(q kurz.Queries) error {
		if err := q.PutExport(ctx, e); err != nil {
			return err
		}
		return c.Inbox.Notify(ctx, q, uid, "export_ready", map[string]any{"url": "/api/v1/me/exports/" + id, "expires_at": e.ExpiresAt})
	})
}

// exportAvatar adds the person's profile picture, decrypted.
func (c *Service) exportAvatar(ctx context.Context, zw *zip.Writer, p *kurz.Profile, dk sealedmedia.Key) error {
	key := cell.AvatarKey(p.ID, p.Avatar)
	f, err := c.Blobs.Open(ctx, key)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	r, _, err := sealedmedia.Plain(f, fi.Size(), key, func() (sealedmedia.Key, error) { return dk, nil })
	if err != nil {
		return err
	}
	w, err := zw.Create("profile-picture.jpg")
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return err
}

// exportVideo adds the best rendition of a video as one MP4 (the segments
// joined without re-encoding).
func (c *Service) exportVideo(ctx context.Context, zw *zip.Writer, v *kurz.Video, stage string) error {
	var rends []struct{ Playlist string }
	if err := json.Unmarshal([]byte(v.Renditions), &rends); err != nil || len(rends) == 0 {
		return fmt.Errorf("no renditions")
	}
	media := filepath.Join(stage, v.ID)
	defer os.RemoveAll(media)
	if err := blob.Fetch(ctx, c.Blobs, cell.MediaKey(v.ID), media); err != nil {
		return err
	}
	// The media of a video that is not public is sealed at rest.
	dk, err := c.DataKey(ctx, v.OwnerID)
	if err != nil {
		return err
	}
	if err := sealedmedia.UnsealDir(media, cell.MediaKey(v.ID), dk); err != nil {
		return err
	}
	playlist := filepath.Join(media, filepath.FromSlash(rends[len(rends)-1].Playlist))
	out := filepath.Join(stage, v.ID+".mp4")
	defer os.Remove(out)
	bin := c.Privacy.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	cmd := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-v", "error", "-y",
		"-protocol_whitelist", "file", "-i", "file:"+playlist, "-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", out)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("remux: %v: %.200s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := zw.Create("videos/" + v.ID + ".mp4")
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

// sealWriter seals a stream in chunks of 1 MiB: each chunk is sealed with
// its index in the additional data, and the last one is marked, so chunks
// cannot be reordered, dropped or cut off unnoticed.
type sealWriter struct {
	w     io.Writer
	dk    *keyring.DataKey
	field string
	buf   []byte
	n     int
}

const sealChunk = 1 << 20

func (s *sealWriter) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	for len(s.buf) > sealChunk {
		if err := s.flush(s.buf[:sealChunk], false); err != nil {
			return 0, err
		}
		s.buf = s.buf[sealChunk:]
	}
	return len(p), nil
}

func (s *sealWriter) flush(chunk []byte, last bool) error {
	sealed := s.dk.Seal(chunkField(s.field, s.n, last), chunk)
	s.n++
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(sealed)))
	if _, err := s.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := s.w.Write(sealed)
	return err
}

func (s *sealWriter) Close() error { return s.flush(s.buf, true) }

func chunkField(field string, n int, last bool) string {
	return field + ":" + strconv.Itoa(n) + ":" + strconv.FormatBool(last)
}

// OpenExport streams a person's ready export to w.
func (c *Service) OpenExport(ctx context.Context, viewer *kurz.Profile, id string, w io.Writer) error {
	e, err := c.Store.ExportByID(ctx, id)
	if err != nil {
		return err
	}
	if e.UserID != viewer.ID || e.Status != "ready" || c.Now().After(e.ExpiresAt) {
		return kurz.ErrNotFound
	}
	dk, err := c.DataKey(ctx, viewer.ID)
	if err != nil {
		return err
	}
	f, err := c.Blobs.Open(ctx, cell.ExportKey(id))
	if err != nil {
		return kurz.ErrNotFound
	}
	defer f.Close()
	for n := 0; ; n++ {
		var hdr [4]byte
		if _, err := io.ReadFull(f, hdr[:]); err != nil {
			return fmt.Errorf("export %s truncated", id)
		}
		sealed := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(f, sealed); err != nil {
			return err
		}
		last := true
		pt, err := dk.Open(chunkField("export:"+id, n, true), sealed)
		if err != nil {
			last = false
			if pt, err = dk.Open(chunkField("export:"+id, n, false), sealed); err != nil {
				return err
			}
		}
		if _, err := w.Write(pt); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}

// --- erasure ------------------------------------------------------------

// RequestErasure schedules a person's erasure after the grace period,
// once they have confirmed their password. The account is hidden at once:
// their profile and videos leave every region's catalogue.
func (c *Service) RequestErasure(ctx context.Context, viewer *kurz.Profile, password string) (time.Time, error) {
	acct, err := c.Store.AccountByID(ctx, viewer.ID)
	if err != nil {
		return time.Time{}, err
	}
	if !auth.VerifyPassword(acct.PasswordHash, password) {
		return time.Time{}, kurz.Errorf(kurz.EUnauthorized, "wrong password")
	}
	runAt := c.Now().UTC().Add(c.Privacy.ErasureGrace)
	err = c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		if err := q.PutErasure(ctx, viewer.ID, c.Now().UTC(), runAt); err != nil {
			return err
		}
		return c.setHidden(ctx, tx, q, viewer.ID)
	})
	return runAt, err
}

// EraseRestored schedules at once the erasure of a person whom a restore
// brought back although their data key had been destroyed after the
// backup (they were erased meanwhile): hidden everywhere now (their
// public records leave the log), erased again by the next sweep.
func (c *Service) EraseRestored(ctx context.Context, userID string) error {
	now := c.Now().UTC()
	err := c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		if err := q.PutErasure(ctx, userID, now, now); err != nil {
			return err
		}
		return c.setHidden(ctx, tx, q, userID)
	})
	return err
}

// CancelErasure withdraws a pending erasure and shows the account again.
func (c *Service) CancelErasure(ctx context.Context, viewer *kurz.Profile) error {
	err := c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		if _, err := q.Erasure(ctx, viewer.ID); err != nil {
			return err
		}
		if err := q.DeleteErasure(ctx, viewer.ID); err != nil {
			return err
		}
		return c.setHidden(ctx, tx, q, viewer.ID)
	})
	return err
}

// setHidden republishes a person's profile and videos after their
// erasure was requested or cancelled: the visibility policy, recomputed
// for each (cell.SyncPersonLog), hides everything of a person whose
// erasure is pending and takes their public records off the log.
func (c *Service) setHidden(ctx context.Context, tx *sql.Tx, q kurz.Queries, userID string) error {
	// The erasure row, written or deleted before, is what counts.
	if err := c.Outbox.SyncPersonLog(ctx, q, userID); err != nil {
		return err
	}
	// Their comments on every region's videos go (or come back) too.
	_, err := c.Jobs.InsertManyTx(ctx, tx, c.HideAuthorJobs(userID))
	return err
}

// RunDueErasures erases everyone whose grace period is over.
func (c *Service) RunDueErasures(ctx context.Context) error {
	due, err := c.Store.DueErasures(ctx, c.Now())
	if err != nil {
		return err
	}
	for _, id := range due {
		if err := c.erase(ctx, id); err != nil {
			return fmt.Errorf("erasure of %s: %w", id, err)
		}
	}
	return nil
}

// erase removes a person from this region: the data key is destroyed
// first (every sealed field of theirs, in every copy of the database, is
// unreadable from then on), then their rows and files; their public
// content is withdrawn from every region and counters are corrected.
func (c *Service) erase(ctx context.Context, userID string) error {
	p, err := c.Store.ProfileByID(ctx, userID)
	if err != nil {
		return err
	}
	liked, err := c.Store.LikedVideos(ctx, userID, 1<<30)
	if err != nil {
		return err
	}
	likedComments, err := c.Store.LikedComments(ctx, userID)
	if err != nil {
		return err
	}
	followees, err := c.Store.Followees(ctx, userID)
	if err != nil {
		return err
	}
	vids, err := c.Store.VideosOf(ctx, userID)
	if err != nil {
		return err
	}
	exports, err := c.Store.ExportsOf(ctx, userID)
	if err != nil {
		return err
	}
	if err := c.KeyStore.DeletePersonKey(ctx, userID); err != nil {
		return err
	}
	// The wrapped key must not survive in the key store's write-ahead log.
	if err := c.KeyStore.Checkpoint(ctx); err != nil {
		return fmt.Errorf("key store checkpoint: %w", err)
	}
	err = c.Store.TxSQL(ctx, func(tx *sql.Tx, q kurz.Queries) error {
		for _, id := range liked {
			if err := c.QueueDelta(ctx, q, id, "likes", -1); err != nil {
				return err
			}
		}
		for _, id := range likedComments {
			if err := c.QueueDelta(ctx, q, id, "comment_likes", -1); err != nil {
				return err
			}
		}
		for _, id := range followees {
			if err := c.QueueDelta(ctx, q, id, "followers", -1); err != nil {
				return err
			}
		}
		for _, v := range vids {
			if err := q.RedactLog(ctx, v.ID); err != nil {
				return err
			}
			if err := c.Outbox.AppendLog(ctx, q, cell.LogVideoGone, v.ID, map[string]string{"id": v.ID, "status": "erased"}); err != nil {
				return err
			}
		}
		if err := q.RedactLog(ctx, userID); err != nil {
			return err
		}
		if err := c.Outbox.AppendLog(ctx, q, cell.LogProfileGone, userID, map[string]string{"id": userID}); err != nil {
			return err
		}
		c.Sessions.ForgetPerson(userID)
		if err := q.DeletePerson(ctx, userID); err != nil {
			return err
		}
		// The steps in other regions run as jobs, retried until they
		// succeed: the release of the handle and the email at the
		// directory and the removal of the person's comments in every
		// region.
		jobs := []river.InsertManyParams{
			{Args: EraseRemoteArgs{UserID: userID, Handle: p.Handle, Region: c.Directory, Step: stepReleaseHandle}},
			{Args: EraseRemoteArgs{UserID: userID, Region: c.Directory, Step: stepReleaseEmail}},
		}
		for _, r := range c.Regions {
			jobs = append(jobs, river.InsertManyParams{Args: EraseRemoteArgs{UserID: userID, Region: r, Step: stepEraseComments}})
			if r != c.Region {
				// Notices of the person's blocks held where the blocked live.
				jobs = append(jobs, river.InsertManyParams{Args: EraseRemoteArgs{UserID: userID, Region: r, Step: stepEraseBlocks}})
			}
		}
		if _, err := c.Jobs.InsertManyTx(ctx, tx, jobs); err != nil {
			return err
		}
		return c.Staff.Audit(ctx, q, "system", userID, "erase", "all", "erasure requested by the person")
	})
	c.Sessions.ForgetPerson(userID) // again: a request may have cached one before the commit
	if err != nil {
		return err
	}
	var errs []error
	for _, v := range vids {
		errs = append(errs, c.RemoveVideoFiles(ctx, v.ID))
	}
	for _, id := range exports {
		errs = append(errs, c.Blobs.Delete(ctx, cell.ExportKey(id)))
	}
	errs = append(errs, c.Blobs.DeletePrefix(ctx, cell.AvatarPrefix(userID)))
	if err := c.Store.Checkpoint(ctx); err != nil {
		errs = append(errs, fmt.Errorf("checkpoint: %w", err))
	}
	c.Log.Info("person erased", "user_id", userID)
	return errors.Join(errs...)
}

// Steps of an erasure in other regions.
const (
	stepReleaseHandle = "release_handle"
	stepReleaseEmail  = "release_email"
	stepEraseComments = "erase_comments"
	stepEraseBlocks   = "erase_blocks"
)

// EraseRemoteArgs is one step of an erasure in another region (or this
// one, through the same link). It carries the person's ID and public
// handle only.
type EraseRemoteArgs struct {
	UserID string      `json:"user_id"`
	Handle string      `json:"handle,omitempty"`
	Region kurz.Region `json:"region"`
	Step   string      `json:"step"`
}

// Kind names the job.
func (EraseRemoteArgs) Kind() string { return "erase_remote" }

// InsertOpts retries a step for about a day before giving up.
func (EraseRemoteArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

type eraseRemoteWorker struct {
	river.WorkerDefaults[EraseRemoteArgs]
	c *Service
}

func (w *eraseRemoteWorker) Work(ctx context.Context, job *river.Job[EraseRemoteArgs]) error {
	a := job.Args
	switch a.Step {
	// Releases go to the directory of now, not the one the step was
	// queued for: the directory may have moved since (the old one refuses).
	case stepReleaseHandle:
		return w.c.Link.ReleaseHandle(ctx, w.c.Directory, link.ReleaseHandleRequest{Handle: a.Handle, UserID: a.UserID})
	case stepReleaseEmail:
		return w.c.Link.ReleaseEmail(ctx, w.c.Directory, link.ReleaseEmailRequest{UserID: a.UserID})
	case stepEraseComments:
		return w.c.Link.EraseAuthor(ctx, a.Region, link.EraseAuthorRequest{Author: a.UserID})
	case stepEraseBlocks:
		return w.c.Link.BlockNotice(ctx, a.Region, link.BlockNoticeRequest{Blocker: a.UserID})
	}
	return river.JobCancel(fmt.Errorf("unknown erasure step %q", a.Step))
}

// SweepPrivacy forgets old sign-in IPs, the keys of signed-out views of
// days before today, quota counts of days before yesterday, and runs due
// erasures.
func (c *Service) SweepPrivacy(ctx context.Context) {
	if _, err := c.Store.ForgetSessionIPs(ctx, c.Now().Add(-c.Privacy.Retention)); err != nil {
		c.Log.Warn("retention sweep", "err", err)
	}
	if err := c.Store.ForgetAnonymousViews(ctx, kurz.Day(c.Now())); err != nil {
		c.Log.Warn("retention sweep", "err", err)
	}
	if err := c.Store.ForgetWork(ctx, kurz.Day(c.Now())-1); err != nil {
		c.Log.Warn("retention sweep", "err", err)
	}
	if err := c.RunDueErasures(ctx); err != nil {
		c.Log.Warn("erasure sweep", "err", err)
	}
}
