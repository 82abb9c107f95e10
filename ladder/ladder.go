// Package ladder is a video's rendition ladder and its HLS master
// playlist: which vertical renditions an input gets, and the master
// playlist listing the variants published so far (the first one alone
// while the rest are made, then all of them). It is pure and imports
// nothing of kurz: package ffmpeg makes the renditions, the pipeline
// publishes them.
package ladder

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Rung is one vertical rendition of the ladder.
type Rung struct {
	Name          string // e.g. "540p"
	Width, Height int    // exact output frame size (content is letterboxed into it)
	CRF           int
	MaxRate       int // video bits/s cap
	AudioRate     int // AAC bits/s
	Profile       string
}

var rungs = []Rung{
	{Name: "360p", Width: 360, Height: 640, CRF: 23, MaxRate: 800_000, AudioRate: 96_000, Profile: "main"},
	{Name: "540p", Width: 540, Height: 960, CRF: 23, MaxRate: 1_600_000, AudioRate: 128_000, Profile: "high"},
	{Name: "720p", Width: 720, Height: 1280, CRF: 22, MaxRate: 2_800_000, AudioRate: 128_000, Profile: "high"},
}

// For returns the rungs for an input of width×height, lowest first:
// every rung the input fills without upscaling (for landscape input that
// means letterboxing), and at least the smallest one. An input smaller
// than the smallest rung keeps its own size, rounded down to even.
func For(width, height int) []Rung {
	var out []Rung
	w, h := float64(width), float64(height)
	for _, r := range rungs {
		if math.Min(float64(r.Width)/w, float64(r.Height)/h) <= 1 {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		r := rungs[0]
		r.Width, r.Height = max(width&^1, 2), max(height&^1, 2)
		r.Name = strconv.Itoa(min(r.Width, r.Height)) + "p"
		out = append(out, r)
	}
	return out
}

// Rendition is one HLS variant that was made.
type Rendition struct {
	Name          string
	Width, Height int
	Bandwidth     int    // peak bits/s (video cap plus audio)
	Playlist      string // relative to the media folder, e.g. "v0/index.m3u8"
	// StreamInf is the attribute list ffmpeg wrote for the variant in
	// its master playlist (BANDWIDTH, RESOLUTION, CODECS), kept so that a
	// master naming variants of several passes reads as ffmpeg's own.
	StreamInf string `json:",omitempty"`
}

// Master is the master playlist listing renditions in order.
func Master(rs []Rendition) []byte {
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n")
	for _, r := range rs {
		inf := r.StreamInf
		if inf == "" {
			inf = fmt.Sprintf("BANDWIDTH=%d,RESOLUTION=%dx%d", r.Bandwidth, r.Width, r.Height)
		}
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:%s\n%s\n\n", inf, r.Playlist)
	}
	return b.Bytes()
}

// StreamInfs reads a master playlist: the attribute list of each
// variant, by its playlist's URI.
func StreamInfs(master []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(master))
	inf := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF:"):
			inf = strings.TrimPrefix(line, "#EXT-X-STREAM-INF:")
		case line != "" && !strings.HasPrefix(line, "#") && inf != "":
			out[line], inf = inf, ""
		}
	}
	return out
}
