package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/andybalholm/brotli"
)

// The scripts' messages (the "js." keys of the catalogue) are a static
// asset per language, /static/i18n/<lang>.js, not a part of every page:
// a page is a few KB instead of 25, and a browser fetches the messages
// once per language and build (the URL carries their content hash, so
// they are cached as immutable like the bundle). The page loads the file
// with a deferred <script> before the bundle's, so the bundle runs after
// it and finds the messages in self.kurzT (i18n.js). The files are made
// at start from the embedded catalogue, compressed there once (brotli and
// gzip, as the build does for the bundle).

// msgAsset is one language's messages file, with its compressed copies.
type msgAsset struct {
	raw, br, gz []byte
	hash        string
}

// msgAssetName is the static name of lang's messages file.
func msgAssetName(lang string) string { return "i18n/" + lang + ".js" }

// buildMsgAssets makes every language's messages file and records their
// hashes beside the static files' (so asset() versions their URLs).
func (h *Handler) buildMsgAssets() {
	h.msgs = map[string]*msgAsset{}
	for _, lang := range languages {
		// json.Marshal escapes <, >, &, U+2028 and U+2029: the JSON is a
		// valid script expression.
		raw := append(append([]byte("self.kurzT="), jsMessagesJSON(lang)...), ";\n"...)
		a := &msgAsset{raw: raw}
		var br bytes.Buffer
		bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
		bw.Write(raw)
		bw.Close()
		a.br = br.Bytes()
		var gz bytes.Buffer
		gw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		gw.Write(raw)
		gw.Close()
		a.gz = gz.Bytes()
		sum := sha256.Sum256(raw)
		a.hash = hex.EncodeToString(sum[:6])
		name := msgAssetName(lang)
		h.msgs[name] = a
		h.hashes[name] = a.hash
	}
}

// serveMsgAsset writes a messages file (the caching headers are set),
// compressed when the client takes it.
func serveMsgAsset(w http.ResponseWriter, r *http.Request, a *msgAsset) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Add("Vary", "Accept-Encoding")
	body, etag := a.raw, `"`+a.hash+`"`
	switch {
	case accepts(r, "br"):
		body, etag = a.br, `"`+a.hash+`-br"`
		hd.Set("Content-Encoding", "br")
	case accepts(r, "gzip"):
		body, etag = a.gz, `"`+a.hash+`-gzip"`
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
