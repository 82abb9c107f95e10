// Package apidoc builds the OpenAPI 3.1 document of kurz's public API
// from a route table and the Go types the handlers read and write, so the
// document cannot drift from the code: a route is documented where it is
// registered (httpapi's route table), and a body's schema is its type's.
// It knows no routes, services or other kurz package; it imports nothing
// of kurz.
package apidoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/invopop/jsonschema"
)

// Auth says whether an operation needs a session.
type Auth int

const (
	// Public operations take no session (one sent is ignored or refused
	// as invalid, never required).
	Public Auth = iota
	// Optional: signed in, the answer is the viewer's (their likes,
	// their followers-only videos); anonymous, the public's.
	Optional
	// Required: without a valid session the answer is 401.
	Required
)

// Raw is a body that is not JSON, named by its media type
// ("application/zip", "application/offset+octet-stream").
type Raw string

// Object is a JSON object whose keys are data (region names, say), or
// a document described elsewhere; its schema says only "an object".
type Object struct{}

// Op describes one operation. In and Out are a Go value of the JSON
// body's type (its zero value is enough), a Raw, or nil for no body.
type Op struct {
	Summary string
	Auth    Auth
	// Query names the query parameters, all optional strings.
	Query []string
	In    any
	// InOptional: the request body may be left out.
	InOptional bool
	// Status is the success status (200 when 0); Out its body. Also
	// lists further success statuses answered with the same body.
	Status int
	Out    any
	Also   []int
	// Headers are request headers the operation reads (tus, ranges);
	// OutHeaders the response headers it sets.
	Headers, OutHeaders []string
	// NoError: answers carry no error body (media: 404 without a body).
	NoError bool
}

// Route is an entry of the route table: a standard library mux pattern
// ("GET /api/v1/videos/{id}") and its operation.
type Route struct {
	Pattern string
	Op      Op
}

// Info names the document.
type Info struct{ Title, Version, Description string }

// ErrorBody is the one error shape of the API.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		// Details: more for the client where an error has it.
		Details map[string]any `json:"details,omitempty"`
		// Fields lists every bad field when a request was checked field
		// by field (sign-up, settings, uploads); the error's own message
		// and field are the first of them.
		Fields []FieldMessage `json:"fields,omitempty"`
	} `json:"error"`
}

// FieldMessage is one field's error.
type FieldMessage struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Path turns a mux pattern into its method and OpenAPI path: wildcards
// {name...} become {name}, a trailing {$} is dropped.
func Path(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	return method, strings.ReplaceAll(path, "...}", "}")
}

var wildcard = regexp.MustCompile(`\{([a-z_]+)\}`)

// Build returns the document as JSON. It fails on a pattern listed twice
// or a body type that cannot be described.
func Build(info Info, routes []Route) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil { // the reflector panics on types JSON cannot hold
			err = fmt.Errorf("apidoc: %v", p)
		}
	}()
	b := newBuilder()
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		method, path := Path(rt.Pattern)
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		m := strings.ToLower(method)
		if _, dup := paths[path][m]; dup {
			return nil, fmt.Errorf("apidoc: %s listed twice", rt.Pattern)
		}
		paths[path][m] = b.operation(method, path, rt.Op)
	}
	b.schema(ErrorBody{})
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": info.Title, "version": info.Version, "description": info.Description},
		"paths":   paths,
		"components": map[string]any{
			"schemas": b.schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "the token of POST /api/v1/sessions"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "kurz_session"},
			},
		},
	}
	out, err = json.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, err
	}
	// The reflector refers to its own definitions; they are the document's
	// components.
	return bytes.ReplaceAll(out, []byte(`"#/$defs/`), []byte(`"#/components/schemas/`)), nil
}

type builder struct {
	r       *jsonschema.Reflector
	schemas map[string]*jsonschema.Schema
	types   map[string]reflect.Type
}

func newBuilder() *builder {
	b := &builder{schemas: map[string]*jsonschema.Schema{}, types: map[string]reflect.Type{}}
	b.r = &jsonschema.Reflector{Anonymous: true, Namer: b.name}
	return b
}

// name names a component after its Go type, without a "JSON" suffix;
// the package's name is put in front when two packages use one name.
func (b *builder) name(t reflect.Type) string {
	if t.Name() == "" || t.PkgPath() == "time" {
		return ""
	}
	n := strings.TrimSuffix(t.Name(), "JSON")
	if n == "" {
		n = t.Name()
	}
	n = upper(n)
	if have, ok := b.types[n]; ok && have != t {
		n = upper(t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]) + n
	}
	b.types[n] = t
	return n
}

func upper(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// schema describes v's type; its named types go to the components.
func (b *builder) schema(v any) *jsonschema.Schema {
	if _, ok := v.(Object); ok {
		return &jsonschema.Schema{Type: "object"}
	}
	s := b.r.Reflect(v)
	for name, def := range s.Definitions {
		b.schemas[name] = def
	}
	for name, t := range b.types {
		if def := b.schemas[name]; def != nil {
			nullable(def, t)
		}
	}
	s.Definitions, s.Version = nil, ""
	return s
}

// nullable lets a pointer, slice or map field that is not omitted when
// empty be null, as encoding/json writes it.
func nullable(s *jsonschema.Schema, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || s.Properties == nil {
		return
	}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			nullable(s, f.Type)
			continue
		}
		if name == "" {
			name = f.Name
		}
		k := f.Type.Kind()
		if !f.IsExported() || name == "-" || strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") ||
			(k != reflect.Pointer && k != reflect.Slice && k != reflect.Map) {
			continue
		}
		if p, ok := s.Properties.Get(name); ok && p.OneOf == nil {
			s.Properties.Set(name, &jsonschema.Schema{OneOf: []*jsonschema.Schema{p, {Type: "null"}}})
		}
	}
}

// content is the media type and schema of a body.
func (b *builder) content(v any) map[string]any {
	if r, ok := v.(Raw); ok {
		return map[string]any{string(r): map[string]any{}}
	}
	return map[string]any{"application/json": map[string]any{"schema": b.schema(v)}}
}

// requestContent is content for a request body: its schema inline, with
// no field required (a field left out is its zero value; the handler
// says what it needs) and unknown fields refused, as the server does.
func (b *builder) requestContent(v any) map[string]any {
	switch v.(type) {
	case Raw, Object:
		return b.content(v)
	}
	r := &jsonschema.Reflector{Anonymous: true, DoNotReference: true, RequiredFromJSONSchemaTags: true}
	s := r.Reflect(v)
	s.Version = ""
	nullable(s, reflect.TypeOf(v))
	return map[string]any{"application/json": map[string]any{"schema": s}}
}

func (b *builder) operation(method, path string, op Op) map[string]any {
	out := map[string]any{"summary": op.Summary, "operationId": operationID(method, path)}
	var params []any
	for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range op.Query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
	}
	for _, h := range op.Headers {
		params = append(params, map[string]any{"name": h, "in": "header", "schema": map[string]any{"type": "string"}})
	}
	if params != nil {
		out["parameters"] = params
	}
	if op.In != nil {
		out["requestBody"] = map[string]any{"required": !op.InOptional, "content": b.requestContent(op.In)}
	}
	status := op.Status
	if status == 0 {
		status = http.StatusOK
	}
	responses := map[string]any{}
	for _, code := range append([]int{status}, op.Also...) {
		r := map[string]any{"description": http.StatusText(code)}
		if op.Out != nil && code != http.StatusNotModified && method != http.MethodHead {
			r["content"] = b.content(op.Out)
		}
		if len(op.OutHeaders) > 0 {
			hs := map[string]any{}
			for _, h := range op.OutHeaders {
				hs[h] = map[string]any{"schema": map[string]any{"type": "string"}}
			}
			r["headers"] = hs
		}
		responses[strconv.Itoa(code)] = r
	}
	if op.NoError {
		responses["404"] = map[string]any{"description": "not found, or not visible to the caller"}
	} else {
		content := map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ErrorBody"}}}
		if slices.Contains(op.Headers, "Tus-Resumable") {
			// The tus protocol's own refusals (a bad Upload-Length, say)
			// are its library's plain text.
			content["text/plain"] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		responses["default"] = map[string]any{"description": "an error, in the one error shape (tus protocol errors: plain text)", "content": content}
	}
	out["responses"] = responses
	switch op.Auth {
	case Required:
		out["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
	case Optional:
		out["security"] = []any{map[string]any{}, map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
	}
	return out
}

// operationID is e.g. get_api_v1_videos_id.
func operationID(method, path string) string {
	parts := append([]string{strings.ToLower(method)}, strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '{' || r == '}' || r == '-' || r == '.' })...)
	return strings.Join(parts, "_")
}
