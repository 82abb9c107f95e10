package kurz

import (
	"regexp"
	"strings"
	"time"
)

// Video statuses.
const (
	StatusUploading  = "uploading"
	StatusProcessing = "processing"
	StatusReady      = "ready"
	StatusFailed     = "failed"
	StatusRemoved    = "removed"
	// StatusHeld is a processed video of a new account waiting for review.
	StatusHeld = "held"
)

// Video visibilities.
const (
	Public    = "public"
	Followers = "followers"
	Private   = "private"
)

// MaxCaptionLen is the longest caption, in characters.
const MaxCaptionLen = 2200

// Video is a clip and its processing state. Its public metadata is public
// data once published publicly; the caption of a non-public video is
// personal and only CaptionSealed holds it.
type Video struct {
	ID            string
	OwnerID       string
	Status        string
	Visibility    string
	Caption       string // set only for public videos
	CaptionSealed []byte // set only for non-public videos
	Error         string
	DurationMS    int64
	Width, Height int
	// Renditions is the JSON list of HLS renditions.
	Renditions string
	UploadSize int64
	// JobGen counts processing runs; a job of an older generation is stale.
	JobGen int
	Worker string
	// PHash is the perceptual hash of the processed video (hex).
	PHash string
	// Restrictions are moderation restrictions, comma-separated: reduced,
	// age_restricted, label:<text>.
	Restrictions string
	Likes        int64
	Comments     int64
	Views        int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CheckVisibility validates a visibility value.
func CheckVisibility(v string) error {
	switch v {
	case Public, Followers, Private:
		return nil
	}
	return FieldError("visibility", "visibility must be public, followers or private")
}

// CheckCaption validates a caption.
func CheckCaption(c string) error {
	if len([]rune(c)) > MaxCaptionLen {
		return FieldError("caption", "a caption can have at most %d characters", MaxCaptionLen)
	}
	if strings.ContainsRune(c, 0) {
		return FieldError("caption", "the caption contains a NUL character")
	}
	return nil
}

var hashtagRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]{1,50})`)

// MaxHashtags bounds the hashtags taken from one caption.
const MaxHashtags = 30

// Hashtags returns the distinct lower-cased hashtags of a caption, in
// order of appearance, without '#'.
func Hashtags(caption string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range hashtagRE.FindAllStringSubmatch(caption, -1) {
		t := strings.ToLower(m[1])
		if !seen[t] && len(out) < MaxHashtags {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
