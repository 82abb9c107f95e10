package feed

import (
	"testing"
	"time"
)

// TestFeedViewerReload: a viewer's state reloaded from the store keeps
// their For You ranking when nothing changed (no rebuild every ViewerTTL),
// and any change the ranking reads (another node's view, like, follow,
// block, mute, opt-out) still makes it rebuild.
func TestFeedViewerReload(t *testing.T) {
	t.Parallel()
	base := func() *viewerData {
		return &viewerData{seen: []string{"v1", "v2"}, liked: []string{"v3"}, followees: []string{"o1"}, countries: []string{"DE"},
			blocked: []string{"b1"}}
	}
	now := time.Now()
	st := &viewerState{id: "eu_x"}
	st.apply(base(), now)
	prefs, seenVer := st.prefs, st.seenVer
	st.apply(base(), now) // a reload bringing what is held
	if st.prefs != prefs || st.seenVer != seenVer {
		t.Fatalf("an unchanged reload bumped the ranking's versions: prefs %d→%d, seen %d→%d", prefs, st.prefs, seenVer, st.seenVer)
	}
	changes := map[string]func(d *viewerData){
		"view":    func(d *viewerData) { d.seen = append(d.seen, "v9") },
		"like":    func(d *viewerData) { d.liked = append([]string{"v9"}, d.liked...) },
		"follow":  func(d *viewerData) { d.followees = append(d.followees, "o9") },
		"block":   func(d *viewerData) { d.blocked = nil },
		"blocked": func(d *viewerData) { d.blockedBy = []string{"b9"} },
		"mute":    func(d *viewerData) { d.muted = []string{"m9"} },
		"opt-out": func(d *viewerData) { d.optOut = true },
		"minor":   func(d *viewerData) { d.minor = true },
		"country": func(d *viewerData) { d.countries = []string{"FR"} },
	}
	for name, change := range changes {
		st := &viewerState{id: "eu_x"}
		st.apply(base(), now)
		prefs, seenVer := st.prefs, st.seenVer
		d := base()
		change(d)
		st.apply(d, now)
		if st.prefs == prefs && st.seenVer == seenVer {
			t.Errorf("%s: the reload kept the old ranking", name)
		}
	}
}
