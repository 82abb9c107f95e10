package s3blob_test

import (
	"testing"

	"kurz/blob"
	"kurz/blob/blobtest"
	"kurz/blob/s3blob"
	"kurz/internal/s3test"
)

// TestStore runs the blob contract against a real S3 server, with and
// without a key prefix.
func TestStore(t *testing.T) {
	srv := s3test.Start(t)
	for _, prefix := range []string{"", "regions/eu"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) blob.Store { return s3blob.New(srv.Bucket(t, prefix)) })
		})
	}
}

func TestParseURL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	c, err := s3blob.ParseURL("s3://media-eu/kurz/eu?endpoint=http://127.0.0.1:7070&region=eu-central-1")
	if err != nil || c.Bucket != "media-eu" || c.Prefix != "kurz/eu" || c.Endpoint != "http://127.0.0.1:7070" ||
		c.Region != "eu-central-1" || !c.PathStyle || c.AccessKey != "k" {
		t.Fatalf("ParseURL = %+v, %v", c, err)
	}
	for _, bad := range []string{"http://bucket/x", "s3:///x", "s3://user:pass@bucket/x", "::"} {
		if _, err := s3blob.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}
