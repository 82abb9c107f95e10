package policy

import (
	"fmt"
	"strings"

	"kurz"
)

// Table is the policy written out: the expected answer for every viewer
// kind, subject state and surface. POLICY.md renders it (go test
// ./policy -run TestPolicyDoc -update rewrites it); TestTable checks Decide
// against it, and the app tests check a running server against it, cell
// by cell (the replica column in another region's catalogue). Change an
// answer here first, then Decide.
//
// Viewers: anon (not signed in, at a door of the DE region), adult (16+,
// in DE, a stranger), minor (13-15, in DE, a stranger), follower (an
// approved follower), mutual (an approved follower the owner follows
// back), staff (a moderator of the subject's region: public surfaces
// give staff nothing more; moderation has its own tools), blocked (the
// owner blocked them, or they the owner), muter (an approved follower who
// muted the owner), owner.
//
// States (of a video and its owner): public; followers (visibility
// "followers"); private; private_account (a public video of a private
// account); minor_owner (a public video of a 13-15 year old); age_restricted,
// reduced, labelled (moderation restrictions); country (restricted in the
// viewer's country); held (waiting for review); removed; suspended,
// terminated (the owner's standing); erasing (the owner's erasure is
// pending).
const Table = `
state           viewer   record page  embed oembed media for_you following tag   profile search comments comment replica
public          anon     show   show  show  show   show  show    hide      show  show    show   show     hide    show
public          adult    show   show  show  show   show  show    hide      show  show    show   show     show    show
public          minor    show   show  show  show   show  show    hide      show  show    show   show     show    show
public          follower show   show  show  show   show  show    show      show  show    show   show     show    show
public          mutual   show   show  show  show   show  show    show      show  show    show   show     show    show
public          staff    show   show  show  show   show  show    hide      show  show    show   show     show    show
public          blocked  hide   hide  show  show   show  hide    hide      hide  hide    hide   hide     hide    show
public          muter    show   show  show  show   show  hide    hide      show  show    show   show     show    show
public          owner    show   show  show  show   show  hide    hide      hide  show    hide   show     show    show

followers       anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
followers       adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
followers       minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
followers       follower show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide
followers       mutual   show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide
followers       staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
followers       blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
followers       muter    show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide
followers       owner    show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide

private         anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         follower hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         mutual   hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         muter    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private         owner    show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide

private_account anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private_account adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private_account minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private_account follower show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide
private_account mutual   show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide
private_account staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private_account blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
private_account muter    show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide
private_account owner    show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    hide

minor_owner     anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
minor_owner     adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
minor_owner     minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
minor_owner     follower norec  norec hide  hide   norec hide    hide      hide  norec   hide   norec    hide    hide
minor_owner     mutual   norec  norec hide  hide   norec hide    hide      hide  norec   hide   norec    norec   hide
minor_owner     staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
minor_owner     blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
minor_owner     muter    norec  norec hide  hide   norec hide    hide      hide  norec   hide   norec    hide    hide
minor_owner     owner    norec  norec hide  hide   norec hide    hide      hide  norec   hide   norec    norec   hide

age_restricted  anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
age_restricted  adult    show   show  hide  hide   show  show    hide      show  show    show   show     show    show
age_restricted  minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
age_restricted  follower show   show  hide  hide   show  show    show      show  show    show   show     show    show
age_restricted  mutual   show   show  hide  hide   show  show    show      show  show    show   show     show    show
age_restricted  staff    show   show  hide  hide   show  show    hide      show  show    show   show     show    show
age_restricted  blocked  hide   hide  hide  hide   show  hide    hide      hide  hide    hide   hide     hide    show
age_restricted  muter    show   show  hide  hide   show  hide    hide      show  show    show   show     show    show
age_restricted  owner    show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    show

reduced         anon     norec  norec norec norec  norec hide    hide      hide  norec   hide   norec    hide    norec
reduced         adult    norec  norec norec norec  norec hide    hide      hide  norec   hide   norec    norec   norec
reduced         minor    norec  norec norec norec  norec hide    hide      hide  norec   hide   norec    norec   norec
reduced         follower norec  norec norec norec  norec hide    norec     hide  norec   hide   norec    norec   norec
reduced         mutual   norec  norec norec norec  norec hide    norec     hide  norec   hide   norec    norec   norec
reduced         staff    norec  norec norec norec  norec hide    hide      hide  norec   hide   norec    norec   norec
reduced         blocked  hide   hide  norec norec  norec hide    hide      hide  hide    hide   hide     hide    norec
reduced         muter    norec  norec norec norec  norec hide    hide      hide  norec   hide   norec    norec   norec
reduced         owner    norec  norec norec norec  norec hide    hide      hide  norec   hide   norec    norec   norec

labelled        anon     label  label label label  label label   hide      label label   label  label    hide    label
labelled        adult    label  label label label  label label   hide      label label   label  label    label   label
labelled        minor    label  label label label  label label   hide      label label   label  label    label   label
labelled        follower label  label label label  label label   label     label label   label  label    label   label
labelled        mutual   label  label label label  label label   label     label label   label  label    label   label
labelled        staff    label  label label label  label label   hide      label label   label  label    label   label
labelled        blocked  hide   hide  label label  label hide    hide      hide  hide    hide   hide     hide    label
labelled        muter    label  label label label  label hide    hide      label label   label  label    label   label
labelled        owner    label  label label label  label hide    hide      hide  label   hide   label    label   label

country         anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         follower hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         mutual   hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         muter    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    show
country         owner    show   show  hide  hide   show  hide    hide      hide  show    hide   show     show    show

held            anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            follower hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            mutual   hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            muter    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
held            owner    show   show  hide  hide   hide  hide    hide      hide  show    hide   hide     hide    hide

removed         anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         follower hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         mutual   hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         muter    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
removed         owner    show   show  hide  hide   hide  hide    hide      hide  show    hide   hide     hide    hide

suspended       anon     show   show  show  show   show  show    hide      show  show    show   show     hide    show
suspended       adult    show   show  show  show   show  show    hide      show  show    show   show     show    show
suspended       minor    show   show  show  show   show  show    hide      show  show    show   show     show    show
suspended       follower show   show  show  show   show  show    show      show  show    show   show     show    show
suspended       mutual   show   show  show  show   show  show    show      show  show    show   show     show    show
suspended       staff    show   show  show  show   show  show    hide      show  show    show   show     show    show
suspended       blocked  hide   hide  show  show   show  hide    hide      hide  hide    hide   hide     hide    show
suspended       muter    show   show  show  show   show  hide    hide      show  show    show   show     show    show
suspended       owner    show   show  show  show   show  hide    hide      hide  show    hide   show     show    show

terminated      anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      follower hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      mutual   hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      muter    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
terminated      owner    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide

erasing         anon     hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         adult    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         minor    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         follower hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         mutual   hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         staff    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         blocked  hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         muter    hide   hide  hide  hide   hide  hide    hide      hide  hide    hide   hide     hide    hide
erasing         owner    show   show  hide  hide   hide  hide    hide      hide  show    hide   hide     hide    hide
`

// Viewers and States are the table's row keys, in order.
var (
	Viewers = []string{"anon", "adult", "minor", "follower", "mutual", "staff", "blocked", "muter", "owner"}
	States  = []string{"public", "followers", "private", "private_account", "minor_owner", "age_restricted", "reduced",
		"labelled", "country", "held", "removed", "suspended", "terminated", "erasing"}
)

// Cell is one row of the table.
type Cell struct {
	State, Viewer string
	Answers       map[Surface]Answer
}

// Cells parses Table.
func Cells() ([]Cell, error) {
	var out []Cell
	for i, line := range strings.Split(Table, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == "state" {
			continue
		}
		if len(f) != 2+len(Surfaces) {
			return nil, fmt.Errorf("policy table line %d: %d fields, want %d", i, len(f), 2+len(Surfaces))
		}
		c := Cell{State: f[0], Viewer: f[1], Answers: map[Surface]Answer{}}
		for j, s := range Surfaces {
			switch a := Answer(f[2+j]); a {
			case Show, Hide, Label, NoRec:
				c.Answers[s] = a
			default:
				return nil, fmt.Errorf("policy table line %d: unknown answer %q", i, a)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// TableLabel is the label of the table's "labelled" state; TableCountry
// the country of its viewers.
const (
	TableLabel   = "Contains flashing lights"
	TableCountry = "DE"
)

// Example returns the viewer and subject a table row stands for.
func Example(state, viewer string) (Viewer, Subject) {
	s := Subject{OwnerID: "the-owner", Status: kurz.StatusReady, Visibility: kurz.Public}
	switch state {
	case "followers":
		s.Visibility = kurz.Followers
	case "private":
		s.Visibility = kurz.Private
	case "private_account":
		s.OwnerPrivate = true
	case "minor_owner":
		s.OwnerMinor, s.OwnerPrivate = true, true
	case "age_restricted":
		s.AgeRestricted = true
	case "reduced":
		s.Reduced = true
	case "labelled":
		s.Label = TableLabel
	case "country":
		s.Countries = []string{TableCountry}
	case "held":
		s.Status = kurz.StatusHeld
	case "removed":
		s.Status = kurz.StatusRemoved
	case "suspended":
		s.Owner = Suspended
	case "terminated":
		s.Owner = Terminated
	case "erasing":
		s.Owner = Erasing
	}
	v := Viewer{ID: "someone", Countries: []string{TableCountry}}
	switch viewer {
	case "anon":
		v.ID = ""
	case "minor":
		v.Minor = true
	case "follower":
		v.Follower = true
	case "mutual":
		v.Follower, v.FollowedBack = true, true
	case "blocked":
		v.BlockedBy = []string{s.OwnerID}
	case "muter":
		v.Follower, v.Muted = true, []string{s.OwnerID}
	case "owner":
		v.Owner = true
	}
	return v, s
}

// Markdown renders the table as POLICY.md.
func Markdown() string {
	cells, err := Cells()
	if err != nil {
		panic(err)
	}
	var b strings.Builder
	b.WriteString(docHead)
	state := ""
	for _, c := range cells {
		if c.State != state {
			state = c.State
			fmt.Fprintf(&b, "\n### %s\n\n| viewer |", state)
			for _, s := range Surfaces {
				fmt.Fprintf(&b, " %s |", s)
			}
			b.WriteString("\n| --- |")
			b.WriteString(strings.Repeat(" --- |", len(Surfaces)))
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "| %s |", c.Viewer)
		for _, s := range Surfaces {
			fmt.Fprintf(&b, " %s |", c.Answers[s])
		}
		b.WriteString("\n")
	}
	return b.String()
}

const docHead = `# Visibility policy

Generated from ` + "`policy/table.go`" + ` (` + "`go test ./policy -run TestPolicyDoc -update`" + `); do not edit by hand.
` + "`policy.Decide`" + ` answers every cell below, every surface asks it, and the tests check
both ` + "`Decide`" + ` (` + "`TestTable`" + `) and a running server (` + "`app.TestPolicyTable`" + `: one process
hosting three regions, the replica column read from another region's catalogue) against
this table; ` + "`app.TestPolicyTableThreeRegions`" + ` checks its cross-region columns (record,
page, media and search at other regions' doors, the replica) for the states public, followers,
private_account, minor_owner and erasing in three real processes. The search column is
checked on ` + "`GET /api/v1/search`" + `; Discover and a sound's page are discovery lists
and follow the tag column, except that they show their owner's own videos as the
public sees them.

Answers: **show**; **hide** (404, or absent from the list); **label** (shown with its
label); **norec** (shown, but never recommended: not in For You, and other regions
get it marked so).

Viewers: **anon** (not signed in, at the door of the region of country DE), **adult**
(16+, in DE, a stranger), **minor** (13-15, in DE, a stranger), **follower** (an
approved follower), **mutual** (an approved follower the owner follows back),
**staff** (a moderator of the video's region: public surfaces show staff nothing
more; moderation has its own tools), **blocked** (the owner blocked them, or they
blocked the owner: each is to the other as if they did not exist; an embed is asked
as a stranger, and the media files of a video the public may see are served to
anyone without a session, so a block cannot hold them back), **muter** (an approved follower who muted the owner: their videos
stay out of the muter's feeds), **owner**.

States: **public**; **followers** (visibility "followers"); **private**;
**private_account** (a "public" video of a private account); **minor_owner** (a
"public" video of a 13-15 year old, whose account is always private);
**age_restricted**, **reduced**, **labelled** (moderation); **country** (restricted
in the viewer's country); **held** (waiting for review); **removed**;
**suspended**, **terminated** (the owner's standing); **erasing** (the owner's
erasure is pending).

Surfaces: **record** (API), **page** (/v/{id}), **embed**, **oembed** (asked as a
stranger), **media** (playlists, segments, poster, preview), **for_you** (and
Popular), **following**, **tag**, **profile** (a person's video list), **search**,
**comments** (reading), **comment** (writing), **replica** (what other regions get:
the public record, whoever asks).

Decisions where the issue was silent: a suspension keeps the content up, a
termination hides it; the owner's own record stays readable (with its state) while
held, removed or erasing, but nothing else is shown, its media not even to them (a media
token stands for the viewer it was made for, as if the owner: it works while the video
itself may be shown); followers-only videos are not in the
Following feed or any list but the owner's profile (they never enter the catalogue of
public videos, which feeds and lists are built from); discovery lists (tag, search)
leave reduced-reach videos out; a country restriction for "ALL" hides everywhere.
`
