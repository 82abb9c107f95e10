// Package s3blob is a blob.Store on an S3-compatible object store, one
// bucket and key prefix per region. Objects are written whole by PutObject
// (S3 never shows a partly written object); a published folder uploads its
// segments and renditions first and its master playlist last, so a
// player that finds the master finds everything it names.
//
// s3blob imports only blob and the AWS SDK.
package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"kurz/blob"
)

// Config locates a region's objects.
type Config struct {
	Bucket string
	// Prefix is put before every key ("" for the bucket's root).
	Prefix string
	// Endpoint is the S3 API's base URL (empty: AWS).
	Endpoint string
	// Region is the S3 region name (default us-east-1).
	Region string
	// AccessKey and SecretKey authenticate; empty means the SDK's default
	// chain (environment, shared files, instance roles).
	AccessKey, SecretKey string
	// PathStyle addresses buckets in the path, as most self-hosted S3
	// servers need (default for a custom endpoint).
	PathStyle bool
}

// ParseURL reads s3://bucket/prefix?endpoint=…&region=… . Credentials come
// from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the
// SDK's usual files, never from the URL.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.User != nil {
		return Config{}, fmt.Errorf("blob store %q: want s3://bucket/prefix?endpoint=…&region=… (credentials from the environment)", redact(raw))
	}
	q := u.Query()
	c := Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Endpoint: q.Get("endpoint"), Region: q.Get("region")}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	c.PathStyle = c.Endpoint != "" && q.Get("path_style") != "false"
	c.AccessKey, c.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	return c, nil
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User("…")
		return u.String()
	}
	return raw
}

// Store is a blob.Store in one bucket under one prefix.
type Store struct {
	Client *s3.Client
	Bucket string
	Prefix string
}

var _ blob.Store = (*Store)(nil)

// New returns a store for c.
func New(c Config) *Store {
	opts := s3.Options{Region: c.Region, UsePathStyle: c.PathStyle}
	if c.Endpoint != "" {
		opts.BaseEndpoint = aws.String(c.Endpoint)
	}
	if c.AccessKey != "" {
		opts.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, "")
	}
	// Checksums only where the server asks: self-hosted servers differ in
	// what they accept.
	opts.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	opts.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	return &Store{Client: s3.New(opts), Bucket: c.Bucket, Prefix: c.Prefix}
}

func (s *Store) key(k string) (string, error) {
	if err := blob.CheckKey(k); err != nil {
		return "", err
	}
	if s.Prefix == "" {
		return k, nil
	}
	return s.Prefix + "/" + k, nil
}

func (s *Store) prefix(p string) (string, error) {
	if p == "" {
		if s.Prefix == "" {
			return "", nil
		}
		return s.Prefix + "/", nil
	}
	k, err := s.key(p)
	return k + "/", err
}

// notFound turns S3's missing-object answers into fs.ErrNotExist.
func notFound(err error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var api smithy.APIError
	if errors.As(err, &nsk) || errors.As(err, &nf) || (errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey")) {
		return fs.ErrNotExist
	}
	return err
}

// Ping checks that the bucket answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.Client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.Bucket)})
	return err
}

// Put uploads r as one object. A file or other seekable body goes up in
// one request; a plain stream (a sealed archive being written) is read a
// part at a time: if it ends within the first part it goes up in one
// request too, otherwise as a multipart upload, completed when the stream
// ends and aborted if it fails, so no size limit of one request applies,
// nothing is spooled to disk and no partial object is ever visible.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if body, size, ok := seekable(r); ok {
		return s.putOne(ctx, k, body, size)
	}
	first := make([]byte, PartSize)
	n, err := io.ReadFull(r, first)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return s.putOne(ctx, k, bytes.NewReader(first[:n]), int64(n))
	}
	if err != nil {
		return err
	}
	return s.putParts(ctx, k, first, r)
}

// PartSize is the size of each part of a multipart upload but the last
// (S3 wants at least 5 MiB).
var PartSize = 16 << 20

func (s *Store) putOne(ctx context.Context, k string, body io.ReadSeeker, size int64) error {
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k), Body: body,
		ContentLength: aws.Int64(size)})
	return err
}

// putParts uploads first and the rest of r as the parts of one object.
func (s *Store) putParts(ctx context.Context, k string, first []byte, r io.Reader) (err error) {
	up, err := s.Client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// Never leave the parts behind (a lifecycle rule would, a day later).
			s.Client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: aws.String(s.Bucket),
				Key: aws.String(k), UploadId: up.UploadId})
		}
	}()
	var parts []types.CompletedPart
	buf := first
	for num := int32(1); ; num++ {
		out, err := s.Client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(s.Bucket), Key: aws.String(k), UploadId: up.UploadId,
			PartNumber: aws.Int32(num), Body: bytes.NewReader(buf), ContentLength: aws.Int64(int64(len(buf)))})
		if err != nil {
			return err
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		n, rerr := io.ReadFull(r, buf[:cap(buf)])
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return rerr
		}
		if n == 0 {
			break
		}
		buf = buf[:n]
	}
	_, err = s.Client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(s.Bucket), Key: aws.String(k),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	return err
}

// seekable returns r as a body the SDK can sign, with its remaining size,
// if it is a regular file or can seek.
func seekable(r io.Reader) (io.ReadSeeker, int64, bool) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			pos, err := f.Seek(0, io.SeekCurrent)
			if err == nil {
				return f, fi.Size() - pos, true
			}
		}
		return nil, 0, false
	}
	if rs, ok := r.(io.ReadSeeker); ok {
		cur, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := rs.Seek(0, io.SeekEnd)
			if err == nil {
				if _, err := rs.Seek(cur, io.SeekStart); err == nil {
					return rs, end - cur, true
				}
			}
		}
	}
	return nil, 0, false
}

// Stat reads an object's size and time.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	k, err := s.key(key)
	if err != nil {
		return blob.Info{}, err
	}
	out, err := s.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)})
	if err != nil {
		return blob.Info{}, notFound(err)
	}
	return blob.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// Open returns an object that reads with ranged GETs from where it was
// sought to, so a byte-range request transfers only that range.
// Every read is pinned to the version seen at Open (If-Match on its
// ETag): an object replaced meanwhile fails the read instead of mixing
// the bytes of two versions.
func (s *Store) Open(ctx context.Context, key string) (blob.Object, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	out, err := s.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)})
	if err != nil {
		return nil, notFound(err)
	}
	info := blob.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}
	return &object{ctx: ctx, s: s, key: k, info: info, etag: out.ETag}, nil
}

// Delete removes one object.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	_, err = s.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)})
	if err = notFound(err); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// DeletePrefix removes every object under prefix/, a thousand a request.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) error {
	keys, err := s.listRaw(ctx, prefix)
	if err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		ids := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := s.Client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(s.Bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return err
		}
		if len(out.Errors) > 0 {
			return fmt.Errorf("deleting %s: %s", aws.ToString(out.Errors[0].Key), aws.ToString(out.Errors[0].Message))
		}
		keys = keys[n:]
	}
	return nil
}

func (s *Store) listRaw(ctx context.Context, prefix string) ([]string, error) {
	infos, err := s.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(infos))
	for i, in := range infos {
		out[i], _ = s.key(in.Key)
	}
	return out, nil
}

// List lists the objects under prefix/.
func (s *Store) List(ctx context.Context, prefix string) ([]blob.Info, error) {
	p, err := s.prefix(prefix)
	if err != nil {
		return nil, err
	}
	var out []blob.Info
	pages := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(p)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if s.Prefix != "" {
				k = strings.TrimPrefix(k, s.Prefix+"/")
			}
			out = append(out, blob.Info{Key: k, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Stage makes a local temporary folder.
func (s *Store) Stage(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "kurz-stage-*")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// Publish uploads the folder's files under prefix/, playlists named
// master* last, then deletes objects under prefix/ that the new set does
// not have. The folder is removed.
func (s *Store) Publish(ctx context.Context, dir, prefix string) error {
	if err := blob.CheckKey(prefix); err != nil {
		return err
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return err
	}
	last := func(f string) bool { return strings.HasPrefix(path.Base(f), "master") }
	sort.SliceStable(files, func(i, j int) bool { return !last(files[i]) && last(files[j]) })
	fresh := map[string]bool{}
	for _, f := range files {
		if err := s.putFile(ctx, prefix+"/"+f, filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return err
		}
		fresh[prefix+"/"+f] = true
	}
	old, err := s.List(ctx, prefix)
	if err != nil {
		return err
	}
	for _, o := range old {
		if !fresh[o.Key] {
			if err := s.Delete(ctx, o.Key); err != nil {
				return err
			}
		}
	}
	return os.RemoveAll(dir)
}

func (s *Store) putFile(ctx context.Context, key, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Put(ctx, key, f)
}

// PresignGet returns a URL that reads an object until ttl passes (for
// redirecting media requests to the store or a CDN in front of it).
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	k, err := s.key(key)
	if err != nil {
		return "", err
	}
	req, err := s3.NewPresignClient(s.Client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", err
	}
	return req.URL, nil
}

// object reads an S3 object from its current offset with a ranged GET,
// opened lazily and reopened after a seek.
type object struct {
	ctx  context.Context
	s    *Store
	key  string
	info blob.Info
	etag *string
	off  int64
	body io.ReadCloser
}

func (o *object) Read(p []byte) (int, error) {
	if o.off >= o.info.Size {
		return 0, io.EOF
	}
	if o.body == nil {
		out, err := o.s.Client.GetObject(o.ctx, &s3.GetObjectInput{Bucket: aws.String(o.s.Bucket), Key: aws.String(o.key),
			Range: aws.String(fmt.Sprintf("bytes=%d-", o.off)), IfMatch: o.etag})
		if err != nil {
			return 0, notFound(err)
		}
		o.body = out.Body
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	if err == io.EOF && o.off < o.info.Size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (o *object) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = o.off + offset
	case io.SeekEnd:
		abs = o.info.Size + offset
	default:
		return 0, errors.New("s3blob: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("s3blob: negative position")
	}
	if abs != o.off && o.body != nil {
		o.body.Close()
		o.body = nil
	}
	o.off = abs
	return abs, nil
}

func (o *object) Close() error {
	if o.body != nil {
		return o.body.Close()
	}
	return nil
}

func (o *object) Stat() (fs.FileInfo, error) { return fileInfo{o.info}, nil }

type fileInfo struct{ i blob.Info }

func (f fileInfo) Name() string       { return path.Base(f.i.Key) }
func (f fileInfo) Size() int64        { return f.i.Size }
func (f fileInfo) Mode() fs.FileMode  { return 0o444 }
func (f fileInfo) ModTime() time.Time { return f.i.ModTime }
func (f fileInfo) IsDir() bool        { return false }
func (f fileInfo) Sys() any           { return nil }
