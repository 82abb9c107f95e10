package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// apiDoc is the served OpenAPI document, fetched and parsed once per test
// binary; every request the tests make through (*server).do is checked
// against it (checkAPI). The validator is shared by parallel tests, so
// calls into it are serialised.
var apiDoc struct {
	once sync.Once
	mu   sync.Mutex
	v    validator.Validator
	err  error
}

// documented says which paths are checked: the public API and the health
// checks. Web pages and the region link are not in the document; media
// files are, but a rendition's files (/media/{id}/v0/index.m3u8) have a
// slash in their name, which an OpenAPI path parameter cannot hold, and
// their bodies are not JSON: the media tests check them.
func documented(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz"
}

func loadAPIDoc(base string) (validator.Validator, error) {
	apiDoc.once.Do(func() {
		resp, err := http.Get(base + "/api/v1/openapi.json")
		if err != nil {
			apiDoc.err = err
			return
		}
		defer resp.Body.Close()
		spec, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			apiDoc.err = fmt.Errorf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, spec)
			return
		}
		doc, err := libopenapi.NewDocument(spec)
		if err != nil {
			apiDoc.err = err
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			apiDoc.err = fmt.Errorf("the document does not load: %v", errs)
			return
		}
		if ok, verrs := v.ValidateDocument(); !ok {
			apiDoc.err = fmt.Errorf("the document is not valid OpenAPI: %s", describe(verrs))
			return
		}
		apiDoc.v = v
	})
	return apiDoc.v, apiDoc.err
}

// checkAPI holds an exchange to the document (see apiMismatches) and fails
// the test on a mismatch.
func (s *server) checkAPI(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	s.t.Helper()
	if !documented(req.URL.Path) {
		return
	}
	v, err := loadAPIDoc(s.URL())
	if err != nil {
		s.t.Fatalf("OpenAPI document: %v", err)
	}
	for _, m := range apiMismatches(v, req, reqBody, resp, respBody) {
		s.t.Error(m)
	}
}

// apiMismatches holds an exchange to the document: the answer must match
// it always (every status, the error shape included); a request the
// document refuses must have been refused by the server too (4xx); a
// route missing from it is a mismatch unless the server has no such route
// either (the API's catch-all 404, or 405 for a method the path lacks).
func apiMismatches(v validator.Validator, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []string {
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	apiDoc.mu.Lock()
	reqOK, reqErrs := v.ValidateHttpRequestSync(req)
	apiDoc.mu.Unlock()
	what := req.Method + " " + req.URL.Path
	var out []string
	if !reqOK {
		for _, e := range reqErrs {
			if e.ValidationType == helpers.PathValidation && e.ValidationSubType == helpers.ValidationMissing {
				if resp.StatusCode == 404 && bytes.Contains(respBody, []byte("no such API endpoint")) {
					return nil // no such route, in the server or the document
				}
				return []string{fmt.Sprintf("%s: the server answers %d but the OpenAPI document lacks the route", what, resp.StatusCode)}
			}
			if e.ValidationSubType == helpers.ValidationMissingOperation {
				if resp.StatusCode != 405 && !(resp.StatusCode == 404 && bytes.Contains(respBody, []byte("no such API endpoint"))) {
					return []string{fmt.Sprintf("%s: the server answers %d but the OpenAPI document lacks the method", what, resp.StatusCode)}
				}
				return nil
			}
		}
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			out = append(out, fmt.Sprintf("%s: the server answers %d to a request the OpenAPI document refuses: %s", what, resp.StatusCode, describe(reqErrs)))
		}
	}
	apiDoc.mu.Lock()
	respOK, respErrs := v.ValidateHttpResponse(req, resp)
	apiDoc.mu.Unlock()
	if !respOK {
		out = append(out, fmt.Sprintf("%s: answer %d does not match the OpenAPI document: %s\n%.600s", what, resp.StatusCode, describe(respErrs), respBody))
	}
	return out
}

func describe[E interface{ Error() string }](errs []E) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s", e.Error())
		if ve, ok := any(e).(interface{ SchemaErrors() []string }); ok {
			for _, se := range ve.SchemaErrors() {
				fmt.Fprintf(&b, "\n    %s", se)
			}
		}
	}
	return b.String()
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestOpenAPIDocument: the served document is valid OpenAPI 3.1, lists
// every route the server answers under /api/ (each answers something other
// than the catch-all 404), and every property of every schema is
// snake_case. It is cacheable.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	r := s.do("GET", "/api/v1/openapi.json", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("ETag") == "" ||
		!strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("openapi.json: %d %v", r.Status, r.Header)
	}
	if again := s.do("GET", "/api/v1/openapi.json", nil, "If-None-Match", r.Header.Get("ETag")); again.Status != 304 {
		t.Errorf("revalidation: %d", again.Status)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	r.json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi: %q", doc.OpenAPI)
	}
	if _, err := loadAPIDoc(s.URL()); err != nil {
		t.Fatal(err)
	}
	// Every documented operation is a route of the server: with made-up
	// path values it answers, but never the API's catch-all.
	for path, ops := range doc.Paths {
		for method := range ops {
			p := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "x")
			resp := s.do(strings.ToUpper(method), p, nil)
			if resp.Status == 404 && strings.Contains(string(resp.Body), "no such API endpoint") {
				t.Errorf("%s %s is documented but not routed", method, path)
			}
		}
	}
	// The check has teeth: a field the document lacks (a Go name), a
	// route it lacks, and a refused request answered 2xx are mismatches.
	v, _ := loadAPIDoc(s.URL())
	fake := func(method, path, reqBody string, status int, body string) []string {
		req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(reqBody))
		req.Header.Set("Authorization", "Bearer x")
		if reqBody != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Request: req}
		return apiMismatches(v, req, []byte(reqBody), resp, []byte(body))
	}
	if m := fake("GET", "/api/v1/me", "", 200, `{"id":"eu_1","handle":"a","region":"eu"}`); m != nil {
		t.Errorf("a right answer is a mismatch: %v", m)
	}
	if m := fake("GET", "/api/v1/me", "", 200, `{"ID":"eu_1","handle":"a","region":"eu"}`); m == nil {
		t.Error("an answer with a Go field name passes")
	}
	if m := fake("GET", "/api/v1/undocumented", "", 200, `{}`); m == nil {
		t.Error("an undocumented route passes")
	}
	if m := fake("PATCH", "/api/v1/me/settings", `{"personalizedFeed":true}`, 200, `{"personalized_feed":true}`); m == nil {
		t.Error("a request field the document lacks, accepted, passes")
	}
	var names []string
	walkProperties(t, r.Body, func(name string) { names = append(names, name) })
	if len(names) < 50 {
		t.Fatalf("only %d property names found", len(names))
	}
	for _, n := range names {
		if !snakeCase.MatchString(n) {
			t.Errorf("property %q is not snake_case", n)
		}
	}
}

// walkProperties calls f with the name of every property of every schema
// in an OpenAPI document.
func walkProperties(t *testing.T, doc []byte, f func(string)) {
	var root any
	if err := json.Unmarshal(doc, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "properties" {
					if props, ok := x.(map[string]any); ok {
						for name := range props {
							f(name)
						}
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(root)
}
