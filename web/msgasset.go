package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"

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

// msgAsset is one language's messages file, with its compressed copies
// by coding ("br", "gzip").
type msgAsset struct {
	raw  []byte
	enc  map[string][]byte
	hash string
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
		var br, gz bytes.Buffer
		bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
		gw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		for _, w := range []io.WriteCloser{bw, gw} {
			w.Write(raw)
			w.Close()
		}
		sum := sha256.Sum256(raw)
		a := &msgAsset{raw: raw, enc: map[string][]byte{"br": br.Bytes(), "gzip": gz.Bytes()}, hash: hex.EncodeToString(sum[:6])}
		h.msgs[msgAssetName(lang)] = a
		h.hashes[msgAssetName(lang)] = a.hash
	}
}

// serveMsgAsset writes a messages file (the caching headers are set),
// compressed when the client takes it (brotli first, as the bundle).
func serveMsgAsset(w http.ResponseWriter, r *http.Request, a *msgAsset) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Add("Vary", "Accept-Encoding")
	body, etag := a.raw, a.hash
	for _, e := range staticEncodings {
		if accepts(r, e.name) {
			body, etag = a.enc[e.name], a.hash+"-"+e.name
			hd.Set("Content-Encoding", e.name)
			break
		}
	}
	hd.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
