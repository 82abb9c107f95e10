package kurz

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kurz/textnorm"
)

// Video statuses.
const (
	StatusUploading  = "uploading"
	StatusProcessing = "processing"
	// StatusPlayable is a video whose first rendition is published while
	// the rest of its ladder is made: shown wherever a ready one is.
	StatusPlayable = "playable"
	StatusReady    = "ready"
	StatusFailed   = "failed"
	StatusRemoved  = "removed"
	// StatusHeld is a processed video of a new account waiting for review.
	StatusHeld = "held"
)

// Showable reports whether a video in status may be played and shown
// (the policy decides to whom): ready, or playable while its ladder is
// completed.
func Showable(status string) bool { return status == StatusReady || status == StatusPlayable }

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
	// Progress is how far the running processing step is, in percent:
	// toward playable while processing, toward ready while playable.
	Progress int
	// PHash is the perceptual hash of the processed video (hex).
	PHash string
	// Restrictions are moderation restrictions, comma-separated: reduced,
	// age_restricted, label:<text>.
	Restrictions string
	// RemixKind and RemixOf: how and from which public video this one
	// was made (see remix.go); SoundID is the sound it uses ("": its
	// own). Allow says what others may do with it (Allow* flags).
	RemixKind string
	RemixOf   string
	// RemixLayout lays a duet out: "" side by side, DuetTop stacked.
	RemixLayout string
	SoundID     string
	Allow       int
	// The sound this video's audio is (see sound.go): AudioPrint its
	// print's stored form ("" if none), SoundName the name its creator
	// gave it ("": the default), SoundBlock the decision that blocked it.
	AudioPrint string
	SoundName  string
	SoundBlock string
	Likes      int64
	Comments   int64
	Views      int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CheckVisibility validates a visibility value.
func CheckVisibility(v string) error {
	switch v {
	case Public, Followers, Private:
		return nil
	}
	return FieldError("visibility", "visibility must be public, followers or private")
}

// CheckCaption validates a caption: valid UTF-8 without NUL, at most
// MaxCaptionLen characters.
func CheckCaption(c string) error {
	if err := CheckText("caption", c); err != nil {
		return err
	}
	if utf8.RuneCountInString(c) > MaxCaptionLen {
		return FieldError("caption", "a caption can have at most %d characters", MaxCaptionLen)
	}
	return nil
}

// mentionRE finds mentions: "@" and a handle.
var mentionRE = regexp.MustCompile(`@[A-Za-z0-9_.]{3,24}`)

// Mentions lists the handles a text mentions, normalised: "@" and a
// valid handle, at the start or after a character that is no part of a
// word (so mail@example.com mentions nobody), trailing dots left out.
func Mentions(text string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringIndex(text, -1) {
		if m[0] > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:m[0]])
			if unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '_' {
				continue
			}
		}
		if m[1] < len(text) && (isASCIIAlnum(text[m[1]]) || text[m[1]] == '_') {
			continue // longer than any handle
		}
		if h, err := NormalizeHandle(strings.TrimRight(text[m[0]+1:m[1]], ".")); err == nil {
			out = append(out, h)
		}
	}
	return out
}

func isASCIIAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// hashtagRE finds hashtags in a caption in Compat form: '#' not glued to a word
// before it, then letters (with their marks), digits and '_'.
var hashtagRE = regexp.MustCompile(`(?:^|[^\p{L}\p{M}\p{N}_&])#([\p{L}\p{N}_][\p{L}\p{M}\p{N}_]{0,49})`)

// MaxHashtags bounds the hashtags taken from one caption.
const MaxHashtags = 30

// Hashtags returns the distinct hashtags of a caption, in order of
// appearance, without '#', each in the form NormalizeHashtag gives: so
// "#Cats", "＃ｃａｔｓ", "#ca\u200bts" and "#cаts" (Cyrillic а) are one tag.
func Hashtags(caption string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range hashtagRE.FindAllStringSubmatch(textnorm.Compat(caption), -1) {
		t := hashtagKey(m[1])
		if !seen[t] && len(out) < MaxHashtags {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// NormalizeHashtag returns the form a hashtag is stored and looked up by
// (an optional leading '#' dropped): NFKC, case folded, without invisible
// characters, and spelled in ASCII where every letter of it looks like an
// ASCII one. ok is false for text that is not one hashtag.
func NormalizeHashtag(tag string) (_ string, ok bool) {
	f := strings.TrimPrefix(textnorm.Compat(tag), "#")
	m := hashtagRE.FindStringSubmatch("#" + f)
	if m == nil || len(m[0]) != len(f)+1 {
		return "", false
	}
	return hashtagKey(m[1]), true
}

// hashtagKey is a tag case folded, or its ASCII look-alike when all of it
// has one: a Latin tag spelled with a Cyrillic or Greek letter is the
// Latin tag, while a tag in another script (#кошка, #日本) keeps its
// letters.
func hashtagKey(tag string) string {
	if a, all := textnorm.ASCII(tag); all {
		return a
	}
	return textnorm.Fold(tag)
}
