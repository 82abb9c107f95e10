package app_test

import (
	"strconv"
	"strings"
	"testing"

	"kurz/app"
)

// quotaRefusal checks a quota answer: 429 in the error shape, with a
// Retry-After and a message that says which limit.
func quotaRefusal(t *testing.T, what string, r *response, says string) {
	t.Helper()
	if r.Status != 429 || r.errorCode(t) != "rate_limited" || !strings.Contains(string(r.Body), says) {
		t.Fatalf("%s: %d %s, want 429 saying %q", what, r.Status, r.Body, says)
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n <= 0 || n > 86400 {
		t.Fatalf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
	}
}

// TestDailyUploadQuota: the daily cap counts uploads created, so creating
// and deleting in a loop (by the API or by tus termination) reaches it
// like keeping them would; past it creation answers 429 and stores
// nothing.
func TestDailyUploadQuota(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.DailyUploads = 3 })
	a := s.signUp("quota", "quota@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token, "Tus-Resumable", "1.0.0"}
	create := func() *response {
		return s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "100")...)
	}
	for i := range 3 {
		r := create()
		id := r.Header.Get("Kurz-Video-Id")
		if r.Status != 201 || id == "" || r.Header.Get("Location") == "" {
			t.Fatalf("upload %d: %d %s %v", i, r.Status, r.Body, r.Header)
		}
		// Delete each at once: through the API, or by ending the upload.
		path := "/api/v1/videos/" + id
		if i%2 == 1 {
			path = "/api/v1/uploads/" + id
		}
		if d := s.do("DELETE", path, nil, auth...); d.Status != 204 {
			t.Fatalf("delete %s: %d %s", path, d.Status, d.Body)
		}
	}
	if n := s.count("eu", "videos"); n != 0 {
		t.Fatalf("%d video rows after deleting every upload", n)
	}
	quotaRefusal(t, "fourth upload of the day, none kept", create(), "upload limit")
	if n := s.count("eu", "videos"); n != 0 {
		t.Fatalf("a refused upload left %d video rows", n)
	}
	// Someone else is not affected.
	b := s.signUp("quotb", "quotb@example.org", "1990-01-01", "DE")
	s.login(&b)
	if r := s.do("POST", "/api/v1/uploads/", nil, "Authorization", "Bearer "+b.Token, "Tus-Resumable", "1.0.0", "Upload-Length", "100"); r.Status != 201 {
		t.Fatalf("another person's upload: %d %s", r.Status, r.Body)
	}
}

// TestStorageQuota: the summed sizes of a person's videos stay within the
// storage quota; deleting a video frees its share.
func TestStorageQuota(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.StorageQuota = 1000 })
	a := s.signUp("hoarder", "hoarder@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token, "Tus-Resumable", "1.0.0"}
	first := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "600")...)
	if first.Status != 201 {
		t.Fatalf("first upload: %d %s", first.Status, first.Body)
	}
	quotaRefusal(t, "past the storage quota", s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "401")...), "storage quota")
	if r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "400")...); r.Status != 201 {
		t.Fatalf("an upload filling the quota exactly: %d %s", r.Status, r.Body)
	}
	if r := s.do("DELETE", "/api/v1/videos/"+first.Header.Get("Kurz-Video-Id"), nil, auth...); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/uploads/", nil, append(auth, "Upload-Length", "600")...); r.Status != 201 {
		t.Fatalf("an upload after deleting a video: %d %s", r.Status, r.Body)
	}
}

// TestDailyExportQuota: data exports past the day's cap get 429, however
// the earlier ones ended.
func TestDailyExportQuota(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.DailyExports = 2 })
	a := s.signUp("exportloop", "exportloop@example.org", "1990-01-01", "DE")
	s.login(&a)
	auth := []string{"Authorization", "Bearer " + a.Token}
	for i := range 2 {
		if r := s.do("POST", "/api/v1/me/export", nil, auth...); r.Status != 202 {
			t.Fatalf("export %d: %d %s", i, r.Status, r.Body)
		}
	}
	before := s.count("eu", "exports")
	quotaRefusal(t, "third export of the day", s.do("POST", "/api/v1/me/export", nil, auth...), "data exports today")
	if n := s.count("eu", "exports"); n != before {
		t.Fatalf("a refused export left a row: %d, want %d", n, before)
	}
}
