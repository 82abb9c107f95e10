package kurz

// Remixes: a video made from another public video. Its kind says how:
// "sound" takes the source's audio (its sound), "duet" plays the new clip
// beside the source, "stitch" starts with the first seconds of the
// source. The source is named by ID; it may live in any region.
const (
	RemixSound  = "sound"
	RemixDuet   = "duet"
	RemixStitch = "stitch"
)

// Duet layouts: side by side (the default, "" or "side": the new clip
// left) or DuetTop (the new clip above the source).
const (
	DuetSide = "side"
	DuetTop  = "top"
)

// CheckDuetLayout validates a duet's layout and returns its stored form
// ("" for side by side); only a duet has one.
func CheckDuetLayout(kind, layout string) (string, error) {
	switch {
	case layout == "" || layout == DuetSide:
		return "", nil
	case layout == DuetTop && kind == RemixDuet:
		return DuetTop, nil
	case layout == DuetTop:
		return "", FieldError("layout", "only a duet has a layout")
	}
	return "", FieldError("layout", "layout must be side or top")
}

// MaxStitchMS is the longest part of a source a stitch may start with;
// a longer request is cut to it.
const MaxStitchMS = 5000

// What a video's creator lets others do with it (Video.Allow, bit flags).
// Off by default for 13-15 year olds, on for adults.
const (
	AllowDuet = 1 << iota
	AllowStitch
	AllowDownload
	AllowAll = AllowDuet | AllowStitch | AllowDownload
)

// CheckRemix validates an upload's remix request: a known kind and a
// well-formed source ID (whether the source may be used is decided where
// the public catalogue is).
func CheckRemix(kind, source string) error {
	switch kind {
	case "":
		if source != "" {
			return FieldError("remix", "say how the source is used: sound, duet or stitch")
		}
		return nil
	case RemixSound, RemixDuet, RemixStitch:
	default:
		return FieldError("remix", "remix must be sound, duet or stitch")
	}
	if _, err := ParseID(source); err != nil {
		return FieldError("remix_of", "no such video")
	}
	return nil
}
