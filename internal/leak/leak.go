// Package leak finds canary values in files and text, in the encodings a
// leak usually takes: as is, base64 (standard and URL), hex, URL-escaped,
// JSON-escaped and upper-cased.
package leak

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Forms returns the encodings of a canary to look for.
func Forms(canary string) map[string][]byte {
	b := []byte(canary)
	forms := map[string][]byte{
		"plain":       b,
		"upper":       []byte(strings.ToUpper(canary)),
		"hex":         []byte(hex.EncodeToString(b)),
		"url-escaped": []byte(url.QueryEscape(canary)),
	}
	// base64 of a value depends on its offset in the encoded stream; the
	// three alignments together catch it wherever it sits.
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString(append(bytes.Repeat([]byte{0}, i), b...))
		// Drop the chars that carry the padding prefix and the tail.
		skip := (i*8 + 5) / 6
		core := enc[skip:]
		if len(core) > 4 {
			core = core[:len(core)-4]
		}
		forms[fmt.Sprintf("base64+%d", i)] = []byte(core)
		forms[fmt.Sprintf("base64url+%d", i)] = []byte(strings.NewReplacer("+", "-", "/", "_").Replace(core))
	}
	return forms
}

// Find returns "where: canary (form)" for every canary form found in data.
func Find(where string, data []byte, canaries ...string) []string {
	var hits []string
	for _, c := range canaries {
		for name, f := range Forms(c) {
			if len(f) >= 4 && bytes.Contains(data, f) {
				hits = append(hits, fmt.Sprintf("%s: %q (%s)", where, c, name))
			}
		}
	}
	return hits
}

// ScanDir reads every regular file under dir and reports canary hits.
func ScanDir(dir string, canaries ...string) ([]string, error) {
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		hits = append(hits, Find(path, data, canaries...)...)
		return nil
	})
	return hits, err
}
