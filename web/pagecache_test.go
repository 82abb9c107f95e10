package web

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestVideoPageCache: a signed-out visitor's video page is made once per
// record and kept, but the backend is still asked every time: a changed
// record (caption, counts) is a new page at once, a video the backend no
// longer shows is a 404 at once, and a signed-in viewer's page is their
// own (never the kept one).
func TestVideoPageCache(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	_, first := bn.get(t, req{path: "/v/eu_v1"})
	_, again := bn.get(t, req{path: "/v/eu_v1"})
	if first != again || !strings.Contains(first, "Sunset at the lake") {
		t.Fatalf("the same record gave two pages, or the wrong one")
	}
	if _, mine := bn.get(t, req{path: "/v/eu_v1", session: "carol"}); mine == first || !strings.Contains(mine, `"handle":"carol"`) {
		t.Errorf("a signed-in viewer got the signed-out page")
	}
	set := func(f func(v *Video)) {
		bn.b.mu.Lock()
		defer bn.b.mu.Unlock()
		c := *bn.b.videos["eu_v1"]
		f(&c)
		bn.b.videos["eu_v1"] = &c
	}
	set(func(v *Video) { v.Caption, v.Likes = "Moonrise now", 4321 })
	if _, body := bn.get(t, req{path: "/v/eu_v1"}); strings.Contains(body, "Sunset at the lake") || !strings.Contains(body, "Moonrise now") {
		t.Errorf("a changed record still shows the kept page")
	}
	set(func(v *Video) { v.Visibility = "private" })
	if res, _ := bn.get(t, req{path: "/v/eu_v1"}); res.StatusCode != 404 {
		t.Errorf("a video the backend no longer shows: %d, want 404", res.StatusCode)
	}
}

// TestSignedInPageCache: a signed-in viewer's page of a public video is
// made from the kept page with their own bits filled in: the same bytes a
// full render gives them, each viewer their own handle, initial, like and
// follow, never another viewer's, and none of the stand-ins.
func TestSignedInPageCache(t *testing.T) {
	t.Parallel()
	bn := setup(t)
	_, first := bn.get(t, req{path: "/v/eu_v1", session: "carol"}) // rendered in full, and kept
	_, again := bn.get(t, req{path: "/v/eu_v1", session: "carol"}) // filled in
	if first != again {
		t.Fatalf("the kept page filled in for carol differs from her full render")
	}
	_, dora := bn.get(t, req{path: "/v/eu_v1", session: "dora"})
	if strings.Contains(dora, "carol") || !strings.Contains(dora, `"handle":"dora"`) || !strings.Contains(dora, `href="/@dora"`) ||
		!strings.Contains(dora, `"liked":true,"following":true`) || !strings.Contains(dora, `aria-hidden="true">D</span>`) {
		t.Errorf("dora's page is not hers")
	}
	if !strings.Contains(again, `"liked":false,"following":false`) {
		t.Errorf("carol's page carries someone else's marks")
	}
	for _, s := range standIn {
		for _, body := range []string{first, again, dora} {
			if strings.Contains(body, s) {
				t.Fatalf("a stand-in reached a page")
			}
		}
	}
	// A handle that is not plain is rendered in full, escaped.
	if _, odd := bn.get(t, req{path: "/v/eu_v1", session: "x<y"}); !strings.Contains(odd, `"handle":"x\u003cy"`) || strings.Contains(odd, "x<y") {
		t.Errorf("an odd handle was not escaped")
	}
}

// TestSameRecord: a kept page is found again only for the very record it
// was made of: a change to any field of Video but the viewer's own marks
// is another record (so a field added to Video cannot be forgotten).
func TestSameRecord(t *testing.T) {
	t.Parallel()
	base := *newFake().videos["eu_v1"]
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		c := base
		f := reflect.ValueOf(&c).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int, reflect.Int64:
			f.SetInt(f.Int() + 1)
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.Slice:
			f.Set(reflect.Append(f, reflect.ValueOf("more")))
		case reflect.Struct: // CreatedAt
			f.Set(reflect.ValueOf(c.CreatedAt.Add(time.Second)))
		default:
			t.Fatalf("Video.%s: a field of a kind this test cannot change", typ.Field(i).Name)
		}
		mark := typ.Field(i).Name == "Liked" || typ.Field(i).Name == "FollowingCreator"
		if sameRecord(&base, &c) != mark {
			t.Errorf("Video.%s changed: same record %v, want %v", typ.Field(i).Name, !mark, mark)
		}
	}
}
