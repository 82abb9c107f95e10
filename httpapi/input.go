package httpapi

import (
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/tus/tusd/v2/pkg/handler"

	"kurz"
)

// What a request may carry, checked at the edge before any handler sees
// it: text is valid UTF-8 without NUL characters (PostgreSQL can store
// nothing else, and SQLite must not store what PostgreSQL cannot), and a
// range request names a few ranges at most.

// MaxRanges is how many byte ranges one request may ask for. Players ask
// for one; a request for more gets the whole object, as RFC 9110 allows,
// instead of a multipart answer that would be mostly part headers.
const MaxRanges = 4

// goodText reports whether s is valid UTF-8 without NUL.
func goodText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func badText(field string) error {
	if field == "" {
		return kurz.Errorf(kurz.EInvalid, "text must be valid UTF-8 without NUL characters")
	}
	return kurz.FieldError(field, "%s must be valid UTF-8 text without NUL characters", field)
}

// checkInput refuses requests whose path or query is not good text (400 in
// the error shape) and drops a Range header with more than MaxRanges
// ranges. Every request passes here.
func (s *Server) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !goodText(r.URL.Path) {
			s.error(w, r, kurz.Errorf(kurz.EInvalid, "the path must be valid UTF-8 without NUL characters"))
			return
		}
		for k, vs := range r.URL.Query() {
			if !goodText(k) {
				s.error(w, r, badText(""))
				return
			}
			for _, v := range vs {
				if !goodText(v) {
					s.error(w, r, badText(k))
					return
				}
			}
		}
		if rg := r.Header.Get("Range"); rg != "" && strings.Count(rg, ",") >= MaxRanges {
			r.Header.Del("Range")
		}
		next.ServeHTTP(w, r)
	})
}

// checkStrings walks a decoded JSON value and reports the first string that
// is not good text, by its JSON field name. encoding/json turns invalid
// UTF-8 into U+FFFD but decodes \u0000 into a NUL, so this is where a NUL
// from JSON is caught.
func checkStrings(v any) error {
	if name, ok := badString(reflect.ValueOf(v), ""); !ok {
		return badText(name)
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
		return name, goodText(v.String())
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

// checkUploadMetadata refuses tus metadata (caption, file name, ...) that
// is not good text, before tusd or the pipeline sees it.
func checkUploadMetadata(r *http.Request) error {
	for k, v := range handler.ParseMetadataHeader(r.Header.Get("Upload-Metadata")) {
		if !goodText(k) {
			return badText("")
		}
		if !goodText(v) {
			return badText(k)
		}
	}
	return nil
}
