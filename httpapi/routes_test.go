package httpapi

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kurz/apidoc"
)

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestDocumentCoversRoutes: every entry of the route table is an operation
// of the OpenAPI document, and no route of the API is registered outside
// the table (a mux.Handle or HandleFunc with a literal /api/ or /media/
// pattern elsewhere in the package fails).
func TestDocumentCoversRoutes(t *testing.T) {
	doc, err := Document("test")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	for _, rt := range (*Server)(nil).routes() {
		method, path := apidoc.Path(rt.Pattern)
		if _, ok := d.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("%s is routed but not documented", rt.Pattern)
		}
	}
	files, _ := filepath.Glob("*.go")
	fset := gotoken.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			lit, isLit := call.Args[0].(*ast.BasicLit)
			if !ok || !isLit || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			pattern, _ := strconv.Unquote(lit.Value)
			_, path, _ := strings.Cut(pattern, " ")
			if path == "" {
				path = pattern
			}
			if (strings.HasPrefix(path, "/api/") && path != "/api/") || strings.HasPrefix(path, "/media/") {
				t.Errorf("%s: %q is registered outside the route table (routes.go), so the OpenAPI document lacks it", fset.Position(lit.Pos()), pattern)
			}
			return true
		})
	}
}

// TestDocumentSnakeCase: every property of every schema in the document
// (request and answer bodies, nested ones included) is snake_case.
func TestDocumentSnakeCase(t *testing.T) {
	doc, err := Document("test")
	if err != nil {
		t.Fatal(err)
	}
	var root any
	if err := json.Unmarshal(doc, &root); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if props, ok := x.(map[string]any); ok && k == "properties" {
					for name := range props {
						n++
						if !snakeCase.MatchString(name) {
							t.Errorf("property %q is not snake_case", name)
						}
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(root)
	if n < 100 {
		t.Errorf("only %d properties found", n)
	}
}
