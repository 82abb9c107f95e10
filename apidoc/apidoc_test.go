package apidoc

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Name string `json:"name"`
}

type sample struct {
	ID       string            `json:"id"`
	When     time.Time         `json:"when"`
	Tags     []string          `json:"tags"`
	Maybe    *inner            `json:"maybe,omitempty"`
	Inner    *inner            `json:"inner"`
	ByName   map[string]inner  `json:"by_name"`
	Skip     string            `json:"-"`
	GoName   int               // no tag: the Go name is the JSON name
	Raw      json.RawMessage   `json:"raw,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	internal int               //lint:ignore U1000 an unexported field must stay out of the document
}

// TestBuild: paths from mux patterns, parameters from wildcards, types
// as components with nullable pointers and slices, omitempty fields not
// required, Go names kept where there is no tag (so a snake_case check
// can catch them), and a pattern listed twice refused.
func TestBuild(t *testing.T) {
	doc, err := Build(Info{Title: "t", Version: "1"}, []Route{
		{"GET /things/{id}", Op{Summary: "a thing", Auth: Optional, Out: sample{}}},
		{"POST /things/{$}", Op{Summary: "make", Auth: Required, In: inner{}, Status: 201, Out: sample{}}},
		{"GET /files/{id}/{file...}", Op{Summary: "file", Out: Raw("*/*"), Also: []int{206}, NoError: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		OpenAPI    string
		Paths      map[string]map[string]map[string]any
		Components struct{ Schemas map[string]map[string]any }
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/things/{id}", "/things/", "/files/{id}/{file}"} {
		if d.Paths[p] == nil {
			t.Errorf("path %s missing: %v", p, d.Paths)
		}
	}
	s := d.Components.Schemas["Sample"]
	if s == nil {
		t.Fatalf("no Sample component: %s", doc)
	}
	props, _ := s["properties"].(map[string]any)
	for _, name := range []string{"id", "when", "tags", "maybe", "inner", "by_name", "GoName", "raw"} {
		if props[name] == nil {
			t.Errorf("property %s missing", name)
		}
	}
	if props["Skip"] != nil || props["internal"] != nil {
		t.Errorf("hidden fields documented: %v", props)
	}
	req := strings.Join(toStrings(s["required"]), ",")
	if req != "id,when,tags,inner,by_name,GoName" {
		t.Errorf("required: %s", req)
	}
	for _, name := range []string{"tags", "inner", "by_name"} {
		if !strings.Contains(mustJSON(props[name]), `"null"`) {
			t.Errorf("%s is not nullable: %s", name, mustJSON(props[name]))
		}
	}
	if strings.Contains(mustJSON(props["maybe"]), `"null"`) || strings.Contains(string(doc), "$defs") {
		t.Errorf("maybe nullable or $defs left: %s", doc)
	}
	if _, err := Build(Info{}, []Route{{"GET /a", Op{}}, {"GET /a", Op{}}}); err == nil {
		t.Error("a route listed twice is accepted")
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
