package link

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"kurz"
)

// The three kinds of signed message start with different labels, so a
// signature made for one can never pass as another, even under one key.
const (
	labelRequest  = "kurz-link-v1"
	labelResponse = "kurz-link-v1-response"
	labelForward  = "kurz-forward-v1"
)

// signRequest is the signature of a link request from region from to
// region to: method, request URI, both regions, time, nonce, body hash.
func signRequest(key []byte, method, uri string, from, to kurz.Region, ts, nonce string, body []byte) string {
	bh := sha256.Sum256(body)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n", labelRequest, method, uri, from, to, ts, nonce)
	m.Write(bh[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signResponse is the signature of the answer region from gives to a
// request of region to: the status, the request's method, URI and nonce,
// both regions (swapped from the request's), the answer's time, its
// Retry-After and its body hash. Binding the request's nonce makes an
// answer good for its own request only.
func signResponse(key []byte, status int, method, uri string, from, to kurz.Region, ts, nonce, retryAfter string, body []byte) string {
	bh := sha256.Sum256(body)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%d\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n", labelResponse, status, method, uri, from, to, ts, nonce, retryAfter)
	m.Write(bh[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func signForward(key []byte, method, uri string, from, to kurz.Region, ts, nonce, ip string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n", labelForward, method, uri, from, to, ts, nonce, ip)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sigLen is the length of an encoded HMAC-SHA256.
const sigLen = 43

func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func timestamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// validNonce reports whether n looks like a nonce: 16 to 64 characters of
// the unpadded base64url alphabet.
func validNonce(n string) bool {
	if len(n) < 16 || len(n) > 64 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// fresh parses a timestamp header and reports whether it is within
// MaxSkew of now.
func fresh(ts string, now time.Time) bool {
	if len(ts) == 0 || len(ts) > 19 || ts[0] == '+' || ts[0] == '-' {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := now.Sub(time.Unix(sec, 0))
	return d <= MaxSkew && d >= -MaxSkew
}

// checkSig compares a received signature with the expected one in
// constant time.
func checkSig(got, want string) bool {
	return len(got) == sigLen && hmac.Equal([]byte(got), []byte(want))
}
