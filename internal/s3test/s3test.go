// Package s3test starts a real S3-compatible server (versitygw on a
// folder) for tests: nothing about S3 is mocked.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"kurz/blob/s3blob"
	"kurz/internal/porttest"
)

// Server is a running gateway.
type Server struct {
	Endpoint       string
	Access, Secret string
	Dir            string
	stop           func()
}

// Stop ends the server early (a dead object store).
func (s *Server) Stop() { s.stop() }

// Start runs versitygw on a fresh folder until the test ends. The binary
// is found on PATH or in ~/go/bin (scripts/setup.sh installs it).
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		home, _ := os.UserHomeDir()
		bin = filepath.Join(home, "go", "bin", "versitygw")
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("versitygw is not installed (scripts/setup.sh test installs it): %v", err)
		}
	}
	addr := porttest.FreeAddr(t)
	s := &Server{Endpoint: "http://" + addr, Access: "kurztest", Secret: "kurztestsecret0123456789", Dir: t.TempDir()}
	cmd := exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--port", addr, "posix", s.Dir)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	s.stop = func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint)
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Bucket creates a new bucket and returns a store configuration for it
// under prefix.
func (s *Server) Bucket(t testing.TB, prefix string) s3blob.Config {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "kurz-" + hex.EncodeToString(b)
	c := s3blob.Config{Bucket: name, Prefix: prefix, Endpoint: s.Endpoint, Region: "us-east-1", AccessKey: s.Access, SecretKey: s.Secret, PathStyle: true}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s3blob.New(c).Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return c
}

// URL is the --blobs value for a bucket configuration (credentials go in
// the environment).
func (s *Server) URL(c s3blob.Config) string {
	return fmt.Sprintf("s3://%s/%s?endpoint=%s&region=%s", c.Bucket, c.Prefix, c.Endpoint, c.Region)
}
