package app

import (
	"runtime/debug"
	"sync"
)

// Version is the release this binary was built as, set at build time:
//
//	go build -ldflags "-X kurz/app.Version=v0.2.0" ./cmd/kurz
//
// When it is empty, BuildVersion falls back to what the Go toolchain
// recorded (the module version, or the VCS revision of a source build).
var Version string

var buildVersion = sync.OnceValue(func() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "devel-" + rev
})

// BuildVersion is the version shown by "kurz version", in the start-up log
// line and in /healthz.
func BuildVersion() string { return buildVersion() }
