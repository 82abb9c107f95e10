package app_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"kurz/internal/mediatest"
)

// TestLyingHeaderFailsFast: a 3 MB Matroska file of two hours of tiny
// frames whose header claims 5 seconds fails within seconds with a clear
// message, in one attempt (a limit is never retried), and nothing is
// transcoded or published.
func TestLyingHeaderFailsFast(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	// The server says soon after start (the check runs once the
	// regions serve) that its media tools run boxed (CI runs as root on
	// a kernel with Landlock).
	waitFor(t, "the media box check", func() bool { return strings.Contains(s.logs.String(), `"msg":"media box`) })
	if !strings.Contains(s.logs.String(), `"msg":"media box ready","box":"Landlock ABI`) {
		t.Fatalf("no media box at start:\n%s", s.logs.String())
	}
	a := s.signUp("liar", "liar@example.org", "1990-01-01", "DE")
	s.login(&a)
	lie := filepath.Join(t.TempDir(), "lie.mkv")
	mediatest.LyingMatroska(t, lie, 7200, 5)
	res := s.tusUpload(a.Token, lie, map[string]string{"caption": "only five seconds"}, 1, "")
	if res.Error != "" || !res.Done {
		t.Fatalf("upload: %+v", res)
	}
	start := time.Now()
	v := s.waitVideo(a.Token, res.VideoID)
	took := time.Since(start)
	if v.Status != "failed" || v.Error != "video longer than 10 minutes (although the file claims 5 seconds)" {
		t.Fatalf("status %q error %q", v.Status, v.Error)
	}
	t.Logf("failed %v after the upload", took.Round(time.Millisecond))
	// Loose bound for a loaded test machine: the transcode it replaces
	// would take about an hour.
	if took > time.Minute {
		t.Errorf("took %v to fail", took)
	}
	// The job ends completed after its first attempt (the video is marked
	// failed inside the job, just before River records the outcome).
	var jobs *river.JobListResult
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var err error
		jobs, err = s.Cell("eu").Jobs.JobList(t.Context(), river.NewJobListParams().Kinds("process_video").States(
			rivertype.JobStateAvailable, rivertype.JobStateRetryable, rivertype.JobStateCompleted, rivertype.JobStateRunning, rivertype.JobStateScheduled))
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs.Jobs) != 1 || jobs.Jobs[0].State != rivertype.JobStateRunning || time.Now().After(deadline) {
			break
		}
	}
	if len(jobs.Jobs) != 1 || jobs.Jobs[0].Attempt != 1 || jobs.Jobs[0].State != rivertype.JobStateCompleted {
		for _, j := range jobs.Jobs {
			t.Logf("job %d: %s attempt %d errors %v", j.ID, j.State, j.Attempt, j.Errors)
		}
		t.Fatal("the processing job was retried or is still pending")
	}
	if v.HLSURL != "" || strings.Contains(v.Error, "we could not process") {
		t.Fatalf("video %+v", v)
	}
}
