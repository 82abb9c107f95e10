package app_test

import (
	"strings"
	"testing"

	"kurz/app"
)

// TestBlobsConfig: a region's objects may only land in its own bucket and
// prefix; two regions sharing one, or one inside another's, refuse to
// start.
func TestBlobsConfig(t *testing.T) {
	base := func() app.Config {
		c := app.DefaultConfig()
		c.DataDir = t.TempDir()
		return c
	}
	for _, tc := range []struct {
		name  string
		blobs map[string]string
		want  string
	}{
		{"separate", map[string]string{"eu": "s3://media/eu?endpoint=http://s3", "us": "s3://media/us?endpoint=http://s3"}, ""},
		{"shared", map[string]string{"eu": "s3://media/x?endpoint=http://s3", "us": "s3://media/x?endpoint=http://s3"}, "share the bucket"},
		{"nested", map[string]string{"eu": "s3://media?endpoint=http://s3", "us": "s3://media/us?endpoint=http://s3"}, "inside"},
		{"not hosted", map[string]string{"xx": "s3://media/xx"}, "not hosted"},
		{"credentials in URL", map[string]string{"eu": "s3://key:secret@media/eu"}, "credentials from the environment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			for r, u := range tc.blobs {
				c.Blobs[kurzRegion(r)] = u
			}
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "key:secret") {
				t.Fatalf("error repeats a secret: %v", err)
			}
		})
	}
}
