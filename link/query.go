package link

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"kurz"
)

// A GET call carries its request in the URL: each field of the request
// struct, named by its json tag, is a path wildcard when the route has
// {name}, else a query parameter. Fields are strings (kurz.Region too),
// integers or booleans.

type urlField struct {
	name   string
	index  int
	kind   reflect.Kind
	inPath bool
	// omitEmpty leaves a zero value out of the query (json's omitempty).
	omitEmpty bool
}

// urlFields lists how the request type t travels in pattern's URL.
func urlFields(t reflect.Type, pattern string) ([]urlField, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("link: the request of GET %s must be a struct, not %s", pattern, t)
	}
	wild := wildcards(pattern)
	var out []urlField
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("link: field %s of %s needs a json tag", f.Name, t)
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Int, reflect.Int64, reflect.Bool:
		default:
			return nil, fmt.Errorf("link: field %s of %s cannot travel in a URL", f.Name, t)
		}
		_, inPath := wild[name]
		delete(wild, name)
		out = append(out, urlField{name: name, index: i, kind: f.Type.Kind(), inPath: inPath, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	for name := range wild {
		return nil, fmt.Errorf("link: %s has no field for the wildcard {%s}", t, name)
	}
	return out, nil
}

// wildcards returns the names of pattern's {name} segments.
func wildcards(pattern string) map[string]struct{} {
	out := map[string]struct{}{}
	for _, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out[strings.Trim(seg, "{}")] = struct{}{}
		}
	}
	return out
}

// encodeURL returns the request URI of a GET call: pattern with its
// wildcards filled in from v (a struct) and the other fields as the query.
func encodeURL(pattern string, v any) (string, error) {
	rv := reflect.Indirect(reflect.ValueOf(v))
	fields, err := urlFields(rv.Type(), pattern)
	if err != nil {
		return "", err
	}
	path, q := pattern, url.Values{}
	for _, f := range fields {
		fv := rv.Field(f.index)
		var s string
		switch f.kind {
		case reflect.String:
			s = fv.String()
		case reflect.Int, reflect.Int64:
			s = strconv.FormatInt(fv.Int(), 10)
		case reflect.Bool:
			s = strconv.FormatBool(fv.Bool())
		}
		if !f.inPath {
			if !f.omitEmpty || !fv.IsZero() {
				q.Set(f.name, s)
			}
			continue
		}
		if s == "" {
			return "", kurz.Errorf(kurz.ENotFound, "no %s given", f.name)
		}
		path = strings.Replace(path, "{"+f.name+"}", url.PathEscape(s), 1)
	}
	if len(q) == 0 {
		return path, nil
	}
	return path + "?" + q.Encode(), nil
}

// decodeURL fills v (a pointer to a struct) from r's path wildcards and
// query, strictly: unknown or repeated parameters and malformed values
// are refused.
func decodeURL(fields []urlField, r interface {
	PathValue(string) string
}, rawQuery string, v any) error {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return kurz.Errorf(kurz.EInvalid, "the query string is malformed")
	}
	rv := reflect.ValueOf(v).Elem()
	known := map[string]bool{}
	for _, f := range fields {
		var s string
		if f.inPath {
			s = r.PathValue(f.name)
		} else {
			known[f.name] = true
			vs := q[f.name]
			if len(vs) > 1 {
				return kurz.FieldError(f.name, "%s is given more than once", f.name)
			}
			if len(vs) == 0 {
				continue
			}
			s = vs[0]
		}
		fv := rv.Field(f.index)
		switch f.kind {
		case reflect.String:
			fv.SetString(s)
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || fv.OverflowInt(n) {
				return kurz.FieldError(f.name, "%s must be an integer", f.name)
			}
			fv.SetInt(n)
		case reflect.Bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return kurz.FieldError(f.name, "%s must be true or false", f.name)
			}
			fv.SetBool(b)
		}
	}
	for name := range q {
		if !known[name] {
			return kurz.Errorf(kurz.EInvalid, "%q is not an accepted parameter", name)
		}
	}
	return nil
}
