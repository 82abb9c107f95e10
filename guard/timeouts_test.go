package guard

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestRateWriterSmallAnswers: a download answer up to smallAnswer bytes
// stays under the usual write timeout (no rate guard, no timer); past it
// the guard takes over and counts every byte after.
func TestRateWriterSmallAnswers(t *testing.T) {
	t.Parallel()
	tm := Timeouts{MinRate: 1024, RateWindow: 20 * time.Second}
	w := &rateWriter{ResponseWriter: httptest.NewRecorder(), t: tm}
	defer w.stop()
	w.Write(make([]byte, smallAnswer-10))
	w.Write(make([]byte, 10))
	if w.g != nil {
		t.Fatalf("a %d-byte answer started the rate guard", smallAnswer)
	}
	w.Write(make([]byte, 100))
	if w.g == nil || w.g.moved.Load() != 100 {
		t.Fatalf("an answer past %d bytes is not held to the rate", smallAnswer)
	}
}
