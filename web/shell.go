package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"text/template"
	"time"
)

// The installable app: a web app manifest, a service worker and the page
// it shows when the network is gone. The worker keeps only the offline
// page and the static files that page needs; pages and API answers are
// never stored (they are personal), so it answers navigations from the
// network and only falls back to the offline page when that fails.

// offlineAssets are the static files the offline page needs.
var offlineAssets = []string{"dist/app.css", "dist/app.js", "icon.svg"}

func (h *Handler) registerShell(mux *http.ServeMux) {
	mux.HandleFunc("GET /manifest.webmanifest", h.manifest)
	mux.HandleFunc("GET /sw.js", h.serviceWorker)
	mux.HandleFunc("GET /offline", h.offline)
}

// manifest serves the web app manifest (language-neutral, so it is the
// same for everyone and may be cached).
func (h *Handler) manifest(w http.ResponseWriter, r *http.Request) {
	type icon struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose,omitempty"`
	}
	m := map[string]any{
		"name": "kurz", "short_name": "kurz", "id": "/", "start_url": "/", "scope": "/",
		"display": "standalone", "orientation": "portrait", "background_color": "#000000", "theme_color": "#000000",
		"icons": []icon{
			{Src: h.asset("icon-192.png"), Sizes: "192x192", Type: "image/png"},
			{Src: h.asset("icon-512.png"), Sizes: "512x512", Type: "image/png"},
			{Src: h.asset("icon-maskable-512.png"), Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
			{Src: h.asset("icon.svg"), Sizes: "any", Type: "image/svg+xml"},
		},
	}
	body, _ := json.Marshal(m)
	secure(w, false)
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// swTemplate is the service worker. Its cache is named after the assets'
// versions, so a new build installs a new worker that drops the old cache.
var swTemplate = template.Must(template.New("sw").Parse(`// kurz's service worker: the offline page and its static files, nothing else.
'use strict';
const CACHE = 'kurz-{{.Version}}';
const OFFLINE = '/offline';
const KEEP = {{.Keep}};

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(KEEP)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('kurz-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    // Pages come from the network, never from a cache (they are
    // personal); only when the network is gone, the offline page.
    e.respondWith(fetch(req).catch(() => caches.match(OFFLINE, { ignoreVary: true })));
    return;
  }
  if (KEEP.includes(url.pathname + url.search)) {
    e.respondWith(caches.match(req, { ignoreVary: true }).then((r) => r || fetch(req)));
  }
  // Everything else (the API, media) goes to the network untouched.
});
`))

// serviceWorker serves /sw.js from the root, so its scope is the whole
// site. Browsers check it for updates on navigation; no-cache makes each
// check reach the server (answered 304 while unchanged).
func (h *Handler) serviceWorker(w http.ResponseWriter, r *http.Request) {
	keep := []string{"/offline"}
	sum := sha256.New()
	assets := slices.Clone(offlineAssets)
	for _, lang := range languages { // the offline page's messages, in any language
		assets = append(assets, msgAssetName(lang))
	}
	for _, a := range assets {
		keep = append(keep, h.asset(a))
		sum.Write([]byte(h.hashes[a]))
	}
	version := hex.EncodeToString(sum.Sum(nil))[:12]
	keepJSON, _ := json.Marshal(keep)
	var buf bytes.Buffer
	if err := swTemplate.Execute(&buf, map[string]string{"Version": version, "Keep": string(keepJSON)}); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	secure(w, false)
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", `"sw-`+version+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(buf.Bytes()))
}

// offline is the page the service worker shows without a network. It is
// rendered for nobody (no viewer), so the copy the worker keeps holds
// nothing personal.
func (h *Handler) offline(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	h.render(w, r, http.StatusOK, &pageData{Name: "offline", Lang: lang, Title: h.t(lang, "shell.offline_title"), Robots: "noindex", Path: "/"})
}
