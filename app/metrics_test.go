package app_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"kurz/app"
	"kurz/internal/mediatest"
)

// TestMetrics: /metrics answers on its own listener with every family an
// operator needs, and is not on the public port.
func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
	a := s.signUp("measured", "measured@example.org", "1990-01-01", "DE")
	s.login(&a)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	res := s.tusUpload(a.Token, clip, map[string]string{"caption": "counted"}, 1, "")
	if v := s.waitVideo(a.Token, res.VideoID); v.Status != "ready" {
		t.Fatalf("video %q", v.Status)
	}
	// The request's ID is in its answer and on its log line.
	feed := s.do("GET", "/api/v1/feed", nil)
	id := feed.Header.Get("X-Request-Id")
	if id == "" || !hasLogLine(s.logs.String(), `"route":"GET /api/v1/feed"`, `"request_id":"`+id+`"`) {
		t.Fatalf("request ID %q not on the feed request's log line:\n%s", id, s.logs.String())
	}
	if r := s.do("GET", "/metrics", nil); r.Status != 404 {
		t.Fatalf("/metrics on the public port: %d", r.Status)
	}
	var body string
	waitFor(t, "the job metrics", func() bool {
		resp, err := http.Get(s.MetricsURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		return strings.Contains(body, `kurz_job_duration_seconds_count{kind="process_video",outcome="ok",region="eu"}`)
	})
	for _, want := range []string{
		`kurz_http_requests_total{method="GET",route="GET /api/v1/feed",status="200"}`,
		`kurz_http_request_duration_seconds_bucket{route="POST /api/v1/accounts"`,
		`kurz_transcode_queue_depth{region="eu"} 0`,
		`kurz_catalogue_videos{region="eu"}`,
		`kurz_link_lag_events{peer="us",region="eu"}`,
		`kurz_link_peer_up{peer="sg",region="us"}`,
		`kurz_edge_cache_hits_total`,
		`tusd_bytes_received{region="eu"}`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Route patterns, never raw paths with IDs or handles.
	if strings.Contains(body, res.VideoID) || strings.Contains(body, "measured") {
		t.Error("a metric label carries an ID or a handle")
	}
}
