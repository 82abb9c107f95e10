package cell

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"kurz"
)

// Notification kinds. A person may switch off the social ones (Muted);
// statements of reasons, ready exports and sign-in alerts always reach
// them: the law or their account's safety wants them told.
const (
	NotifyComment       = "comment"
	NotifyReply         = "reply"
	NotifyMention       = "mention"
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyLike          = "like"
	NotifyStatement     = "statement_of_reasons"
	NotifyExport        = "export_ready"
)

// Inbox is a region's notifications for its people: stored sealed under
// the recipient's data key (unless they switched the kind off), listed one
// by one or grouped for the inbox, counted and marked read, and the
// switches that silence kinds of them. It also keys the pseudonyms of
// actors in the inbox notes sent to other regions (ActorKey).
type Inbox struct{ c *Cell }

// SwitchableKinds are the kinds a person may switch off, in the order the
// settings show them.
var SwitchableKinds = []string{NotifyComment, NotifyReply, NotifyMention, NotifyFollow, NotifyFollowRequest, NotifyLike}

// Notify stores a sealed message for a person of this region, unless they
// switched its kind off.
func (ib *Inbox) Notify(ctx context.Context, q kurz.Queries, userID, kind string, data any) error {
	return ib.NotifyGroup(ctx, q, userID, kind, "", "", data)
}

// NotifyGroup stores a notification that the inbox shows together with
// the others of its group (likes of one video), at most one per actorKey
// in a group: a repeated like adds nothing.
func (ib *Inbox) NotifyGroup(ctx context.Context, q kurz.Queries, userID, kind, group, actorKey string, data any) error {
	if slices.Contains(SwitchableKinds, kind) {
		st, err := q.InboxSettings(ctx, userID)
		if err != nil {
			return err
		}
		if slices.Contains(st.Muted, kind) {
			return nil
		}
	}
	dk, err := ib.c.DataKey(ctx, userID)
	if err != nil {
		return err
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	id := kurz.NewID(ib.c.Region)
	return q.AddNotification(ctx, &kurz.Notification{ID: id, UserID: userID, Kind: kind, GroupKey: group, ActorKey: actorKey,
		DataSealed: dk.Seal("notification:"+id, b), CreatedAt: ib.c.Now().UTC()})
}

// Notification is a notification as its owner reads it.
type Notification struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
	Read      bool            `json:"read"`
}

// Notifications lists a person's notifications, newest first, one by one
// (the data export's form).
func (ib *Inbox) Notifications(ctx context.Context, viewer *kurz.Profile) ([]Notification, error) {
	list, err := ib.notifications(ctx, viewer)
	out := make([]Notification, len(list))
	for i, n := range list {
		out[i] = n.Notification
	}
	return out, err
}

type opened struct {
	Notification
	group string
}

func (ib *Inbox) notifications(ctx context.Context, viewer *kurz.Profile) ([]opened, error) {
	list, err := ib.c.Store.NotificationsOf(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	dk, err := ib.c.DataKey(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	out := []opened{}
	for _, n := range list {
		b, err := dk.Open("notification:"+n.ID, n.DataSealed)
		if err != nil {
			continue
		}
		out = append(out, opened{Notification{ID: n.ID, Kind: n.Kind, Data: b, CreatedAt: n.CreatedAt, Read: !n.ReadAt.IsZero()}, n.GroupKey})
	}
	return out, nil
}

// InboxEntry is one line of the inbox: a notification, or a group of them
// (the likes of one video) shown as one.
type InboxEntry struct {
	Notification
	// IDs are the notifications the entry stands for (mark them read).
	IDs []string `json:"ids"`
	// Count is how many people a group counts (likes: distinct likers).
	Count int `json:"count"`
	// Actors are the people of the group who may be named (likers who
	// show their likes), newest first, at most MaxNamedActors.
	Actors []Actor `json:"actors"`
}

// Actor is what an inbox shows of someone who acted: what they made
// public.
type Actor struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name,omitempty"`
}

// MaxNamedActors is how many people a grouped entry names.
const MaxNamedActors = 3

// MaxInbox is how many entries the inbox shows.
const MaxInbox = 100

// Entries lists a person's inbox, newest first: the notifications of a
// group (likes of one video) that are unread form one entry, and those
// already read another, each at the place of its newest.
func (ib *Inbox) Entries(ctx context.Context, viewer *kurz.Profile) ([]*InboxEntry, error) {
	list, err := ib.notifications(ctx, viewer)
	if err != nil {
		return nil, err
	}
	out := []*InboxEntry{}
	groups := map[string]*InboxEntry{}
	for _, n := range list {
		var actor struct {
			Actor *Actor `json:"actor"`
		}
		json.Unmarshal(n.Data, &actor)
		key := n.group
		if key != "" {
			if n.Read {
				key += "\x00read"
			}
			if e := groups[key]; e != nil {
				e.IDs = append(e.IDs, n.ID)
				e.Count++
				if actor.Actor != nil && len(e.Actors) < MaxNamedActors {
					e.Actors = append(e.Actors, *actor.Actor)
				}
				continue
			}
		}
		if len(out) == MaxInbox {
			continue // later members of listed groups still count
		}
		e := &InboxEntry{Notification: n.Notification, IDs: []string{n.ID}, Count: 1, Actors: []Actor{}}
		if actor.Actor != nil {
			e.Actors = append(e.Actors, *actor.Actor)
		}
		out = append(out, e)
		if key != "" {
			groups[key] = e
		}
	}
	return out, nil
}

// UnreadCount is how many of a person's notifications are unread.
func (ib *Inbox) UnreadCount(ctx context.Context, viewer *kurz.Profile) (int, error) {
	return ib.c.Store.UnreadNotifications(ctx, viewer.ID)
}

// MarkRead marks notifications of the viewer read: those named, or all;
// others' IDs are ignored. It returns how many were unread.
func (ib *Inbox) MarkRead(ctx context.Context, viewer *kurz.Profile, ids []string) (int64, error) {
	if len(ids) > 1000 {
		return 0, kurz.FieldError("ids", "mark at most 1000 notifications at once")
	}
	return ib.c.Store.MarkNotificationsRead(ctx, viewer.ID, ids, ib.c.Now().UTC())
}

// InboxSettingsJSON are a person's inbox switches as the API shows them:
// each switchable kind on or off, and whether their likes name them.
type InboxSettingsJSON struct {
	ShowLikes *bool           `json:"show_likes,omitempty"`
	Kinds     map[string]bool `json:"kinds,omitempty"`
}

// Settings reads the viewer's inbox switches.
func (ib *Inbox) Settings(ctx context.Context, viewer *kurz.Profile) (*InboxSettingsJSON, error) {
	st, err := ib.c.Store.InboxSettings(ctx, viewer.ID)
	if err != nil {
		return nil, err
	}
	out := &InboxSettingsJSON{ShowLikes: &st.ShowLikes, Kinds: map[string]bool{}}
	for _, k := range SwitchableKinds {
		out.Kinds[k] = !slices.Contains(st.Muted, k)
	}
	return out, nil
}

// SetSettings changes the switches given; unknown kinds are refused.
func (ib *Inbox) SetSettings(ctx context.Context, viewer *kurz.Profile, in *InboxSettingsJSON) (*InboxSettingsJSON, error) {
	for k := range in.Kinds {
		if !slices.Contains(SwitchableKinds, k) {
			return nil, kurz.FieldError("kinds", "%q cannot be switched off; the kinds are comment, reply, mention, follow, follow_request and like", k)
		}
	}
	err := ib.c.Tx(ctx, func(q kurz.Queries) error {
		st, err := q.InboxSettings(ctx, viewer.ID)
		if err != nil {
			return err
		}
		if in.ShowLikes != nil {
			st.ShowLikes = *in.ShowLikes
		}
		var muted []string
		for _, k := range SwitchableKinds {
			on, set := in.Kinds[k]
			if (set && !on) || (!set && slices.Contains(st.Muted, k)) {
				muted = append(muted, k)
			}
		}
		st.Muted = muted
		return q.PutInboxSettings(ctx, st)
	})
	if err != nil {
		return nil, err
	}
	return ib.Settings(ctx, viewer)
}

// ShowsLikes reports whether a person of this region lets their likes
// name them.
func (ib *Inbox) ShowsLikes(ctx context.Context, userID string) bool {
	st, err := ib.c.Store.InboxSettings(ctx, userID)
	return err == nil && st.ShowLikes
}

// ActorKey is the pseudonym of a person acting on an object in an inbox
// note: a keyed hash of both, the same for a repeated action, linking
// nothing across objects (see link.InboxNote).
func (ib *Inbox) ActorKey(kind, objectID, personID string) string {
	return hex.EncodeToString(ib.c.Keys.Index("inbox-actor", []byte(kind+"\x00"+objectID+"\x00"+personID)))
}
