package s3blob_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"testing"
	"testing/iotest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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

// TestPutStream: a stream longer than a part goes up as a multipart
// upload and reads back byte for byte; a stream that fails midway leaves
// neither an object nor parts behind.
func TestPutStream(t *testing.T) {
	srv := s3test.Start(t)
	s := s3blob.New(srv.Bucket(t, "archives"))
	s3blob.PartSize = 5 << 20 // the least S3 takes
	want := make([]byte, 11<<20+123)
	rand.Read(want)
	// A reader that is not a file and cannot seek: read a part at a time.
	if err := s.Put(t.Context(), "a.age", io.MultiReader(bytes.NewReader(want))); err != nil {
		t.Fatal(err)
	}
	got, err := blob.Read(t.Context(), s, "a.age")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (want %d): %v", len(got), len(want), err)
	}
	broken := io.MultiReader(bytes.NewReader(want[:7<<20]), iotest.ErrReader(errors.New("the writer failed")))
	if err := s.Put(t.Context(), "b.age", broken); err == nil {
		t.Fatal("a failed stream was stored")
	}
	if _, err := s.Stat(t.Context(), "b.age"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("object of a failed stream: %v", err)
	}
	ups, err := s.Client.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(s.Bucket)})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("multipart uploads left: %+v %v", ups, err)
	}
}
