package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/tus/tusd/v2/pkg/handler"

	"kurz"
)

// Text that a request carries must be valid UTF-8 without NUL characters:
// PostgreSQL can store nothing else, and SQLite must not store what
// PostgreSQL cannot.

// GoodText reports whether s is valid UTF-8 without NUL.
func GoodText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// TextError is the 400 for text that is not good, naming field if known.
func TextError(field string) error {
	if field == "" {
		return kurz.Errorf(kurz.EInvalid, "text must be valid UTF-8 without NUL characters")
	}
	return kurz.FieldError(field, "%s must be valid UTF-8 text without NUL characters", field)
}

// CheckURL refuses a request whose path, query keys or query values are
// not good text.
func CheckURL(r *http.Request) error {
	if !GoodText(r.URL.Path) {
		return kurz.Errorf(kurz.EInvalid, "the path must be valid UTF-8 without NUL characters")
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	for k, vs := range r.URL.Query() {
		if !GoodText(k) {
			return TextError("")
		}
		for _, v := range vs {
			if !GoodText(v) {
				return TextError(k)
			}
		}
	}
	return nil
}

// MaxRanges is how many byte ranges one request may ask for. Players ask
// for one; a request for more gets the whole object, as RFC 9110 allows,
// instead of a multipart answer that would be mostly part headers.
const MaxRanges = 4

// LimitRanges drops a Range header that asks for more than MaxRanges
// ranges.
func LimitRanges(r *http.Request) {
	if rg := r.Header.Get("Range"); rg != "" && strings.Count(rg, ",") >= MaxRanges {
		r.Header.Del("Range")
	}
}

// CheckUploadMetadata refuses tus metadata (caption, file name, ...) that
// is not good text, before tusd or the pipeline sees it.
func CheckUploadMetadata(header string) error {
	for k, v := range handler.ParseMetadataHeader(header) {
		if !GoodText(k) {
			return TextError("")
		}
		if !GoodText(v) {
			return TextError(k)
		}
	}
	return nil
}

// DecodeJSON reads a JSON body strictly into v and returns the raw body
// (for forwarding): sent as application/json, at most max bytes, valid
// UTF-8, one value, no unknown fields (so fields like "role" or "region"
// cannot be slipped in), and no string in it with a NUL.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, max int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, kurz.Errorf(kurz.EInvalid, "send JSON with Content-Type: application/json")
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, kurz.Errorf(kurz.ETooLarge, "the request body is larger than %d bytes", max)
	} else if err != nil {
		return nil, kurz.Errorf(kurz.EInvalid, "the request body could not be read")
	}
	if !utf8.Valid(data) {
		return nil, kurz.Errorf(kurz.EInvalid, "the request body must be valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return nil, kurz.FieldError(ute.Field, "%s has the wrong type: want %s", ute.Field, ute.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return nil, kurz.Errorf(kurz.EInvalid, "%s is not an accepted field", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return nil, kurz.Errorf(kurz.EInvalid, "the request body is not valid JSON")
	}
	if dec.More() {
		return nil, kurz.Errorf(kurz.EInvalid, "the request body must hold one JSON object")
	}
	if err := CheckStrings(v); err != nil {
		return nil, err
	}
	return data, nil
}

// CheckStrings walks a decoded JSON value and reports the first string
// that is not good text, by its JSON field name. encoding/json turns
// invalid UTF-8 into U+FFFD but decodes \u0000 into a NUL, so this is
// where a NUL from JSON is caught.
func CheckStrings(v any) error {
	if name, ok := badString(reflect.ValueOf(v), ""); !ok {
		return TextError(name)
	}
	return nil
}

func badString(v reflect.Value, name string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", true
		}
		return badString(v.Elem(), name)
	case reflect.String:
		return name, GoodText(v.String())
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			field := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
				field = tag
			}
			if n, ok := badString(v.Field(i), field); !ok {
				return n, false
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", true // bytes (base64 in JSON) are not text
		}
		for i := range v.Len() {
			if n, ok := badString(v.Index(i), name); !ok {
				return n, false
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if n, ok := badString(it.Key(), name); !ok {
				return n, false
			}
			if n, ok := badString(it.Value(), name); !ok {
				return n, false
			}
		}
	}
	return "", true
}
