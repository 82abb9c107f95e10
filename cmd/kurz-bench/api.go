package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

var client = &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a JSON request to a kurz door and decodes the answer into out.
func call(base, method, path, token string, body, out any, hdr ...string) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %v: %s", method, path, err, data)
		}
	}
	if resp.StatusCode >= 400 && out != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, nil
}

type account struct{ ID, Handle, Region, Token string }

const password = "a good long passphrase for benchmarks"

// signUpLogin creates an account and signs it in. ip (may be "") is sent as
// X-Forwarded-For, for servers that trust 127.0.0.1 as a proxy, so many
// logins do not hit the per-IP limit.
func signUpLogin(base, handle, country, ip string) (*account, error) {
	var hdr []string
	if ip != "" {
		hdr = []string{"X-Forwarded-For", ip}
	}
	a := &account{}
	if _, err := call(base, "POST", "/api/v1/accounts", "", map[string]string{"handle": handle, "email": handle + "@bench.example.org",
		"password": password, "birth_date": "1990-01-01", "country": country}, a, hdr...); err != nil {
		return nil, fmt.Errorf("sign-up %s: %w", handle, err)
	}
	var s struct{ Token string }
	if _, err := call(base, "POST", "/api/v1/sessions", "", map[string]string{"login": handle, "password": password}, &s, hdr...); err != nil {
		return nil, fmt.Errorf("login %s: %w", handle, err)
	}
	a.Token = s.Token
	return a, nil
}

type videoJSON struct {
	ID, Status, Error, Visibility string
	HLSURL                        string `json:"hls_url"`
}

// waitVideo polls a video until it leaves uploading/processing; poll is
// the interval.
func waitVideo(base, token, id string, poll, timeout time.Duration) (*videoJSON, error) {
	deadline := time.Now().Add(timeout)
	for {
		var v videoJSON
		if _, err := call(base, "GET", "/api/v1/videos/"+id, token, nil, &v); err != nil {
			return nil, err
		}
		if v.Status != "processing" && v.Status != "uploading" && v.Status != "playable" {
			return &v, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("video %s still %s after %s", id, v.Status, timeout)
		}
		time.Sleep(poll)
	}
}

// tusResult is what tusUpload reports.
type tusResult struct {
	VideoID  string
	URL      string
	Start    time.Time // before the creation request
	LastByte time.Time // when the last PATCH was answered
	Bytes    int64
}

// tusUpload is the one tus client of the benchmarks (kurz and tusd get the
// same): a creation POST, then PATCH requests of chunk bytes each, in
// order, on one keep-alive connection.
func tusUpload(endpoint, token, file string, meta map[string]string, chunk int64) (*tusResult, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	var md []string
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		md = append(md, k+" "+base64.StdEncoding.EncodeToString([]byte(meta[k])))
	}
	r := &tusResult{Start: time.Now(), Bytes: size}
	req, _ := http.NewRequest("POST", endpoint, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	if len(md) > 0 {
		req.Header.Set("Upload-Metadata", strings.Join(md, ","))
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("tus POST %s: %d %s", endpoint, resp.StatusCode, body)
	}
	r.VideoID = resp.Header.Get("Kurz-Video-Id")
	base, _ := url.Parse(endpoint)
	loc, err := base.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("tus Location %q: %v", resp.Header.Get("Location"), err)
	}
	r.URL = loc.String()
	for off := int64(0); off < size; {
		n := min(chunk, size-off)
		req, _ := http.NewRequest("PATCH", r.URL, io.NewSectionReader(f, off, n))
		req.ContentLength = n
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("tus PATCH at %d: %v", off, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return nil, fmt.Errorf("tus PATCH at %d: %d %s", off, resp.StatusCode, body)
		}
		got, _ := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
		if got != off+n {
			return nil, fmt.Errorf("tus PATCH at %d: server offset %d, want %d", off, got, off+n)
		}
		off = got
	}
	r.LastByte = time.Now()
	return r, nil
}
