package policy

import (
	"strings"

	"kurz"
	"kurz/catalog"
)

// Restrictions reads a video's moderation restrictions (kurz.Video's
// comma-separated list: reduced, age_restricted, label:<text>,
// countries:<codes separated by spaces>) into s.
func (s *Subject) Restrictions(list string) {
	for _, r := range strings.Split(list, ",") {
		switch {
		case r == "reduced":
			s.Reduced = true
		case r == "age_restricted":
			s.AgeRestricted = true
		case strings.HasPrefix(r, "label:"):
			s.Label = strings.TrimPrefix(r, "label:")
		case strings.HasPrefix(r, "countries:"):
			s.Countries = append(s.Countries, strings.Fields(strings.TrimPrefix(r, "countries:"))...)
		}
	}
}

// Video is the subject of a video of this region, given its owner's
// account state.
func Video(v *kurz.Video, ownerPrivate, ownerMinor bool, owner Standing) Subject {
	s := Subject{OwnerID: v.OwnerID, Status: v.Status, Visibility: v.Visibility, OwnerPrivate: ownerPrivate, OwnerMinor: ownerMinor, Owner: owner}
	s.Restrictions(v.Restrictions)
	return s
}

// FromPublic is the subject of a catalogue entry: a video the public may
// see, as its home region published it. Reduced there means "not to be
// recommended", whatever the home region's reason.
func FromPublic(pv *catalog.PublicVideo) Subject {
	return Subject{OwnerID: pv.OwnerID, Status: kurz.StatusReady, Visibility: kurz.Public, AgeRestricted: pv.AgeRestricted, Reduced: pv.Reduced,
		Label: pv.Label, Countries: pv.Countries}
}

// PublicFacts is the subject of a catalogue entry read without making
// its record (catalog.Index.Facts: no allocation), for a question asked
// on every media request; false when the catalogue lacks it.
func PublicFacts(x *catalog.Index, id string) (Subject, bool) {
	var pv catalog.PublicVideo
	if !x.Facts(id, &pv) {
		return Subject{}, false
	}
	return FromPublic(&pv), true
}

// Publish fills the public record's moderation fields from the decision
// for the public (Surface Replica) and the subject's public facts.
func Publish(pv *catalog.PublicVideo, s Subject) bool {
	d := Decide(Viewer{}, s, Replica)
	if !d.See {
		return false
	}
	pv.Reduced, pv.Label, pv.AgeRestricted, pv.Countries = !d.Recommend, d.Label, s.AgeRestricted, s.Countries
	return true
}

// Shows reports whether a catalogue entry may be shown to v on surface
// f (the viewer's relation to the owner is only ownership here: the
// catalogue holds what the public may see).
func Shows(v Viewer, pv *catalog.PublicVideo, f Surface) bool {
	v.Owner = v.ID != "" && v.ID == pv.OwnerID
	return Decide(v, FromPublic(pv), f).See
}
