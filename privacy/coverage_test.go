package privacy

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestExportCoverage reads the migrations of both stores and fails on a
// table or column marked "class: personal" that ExportCoverage does not
// place in the export (or explain), and on a placement that names no key
// of the export's data.json.
func TestExportCoverage(t *testing.T) {
	keys := map[string]bool{}
	ty := reflect.TypeFor[exportData]()
	for i := range ty.NumField() {
		name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
		keys[name] = true
	}
	create := regexp.MustCompile(`(?i)^CREATE TABLE (?:IF NOT EXISTS )?(\w+)`)
	alter := regexp.MustCompile(`(?i)^ALTER TABLE (\w+) ADD COLUMN (?:IF NOT EXISTS )?(\w+)`)
	seen := 0
	for _, dialect := range []string{"sqlite", "postgres"} {
		files, err := filepath.Glob(filepath.Join("..", dialect, "migrations", "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s migrations: %v", dialect, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			personal := false // the last class comment said personal
			for _, line := range strings.Split(string(b), "\n") {
				line = strings.TrimSpace(line)
				if c, ok := strings.CutPrefix(line, "-- class:"); ok {
					personal = strings.HasPrefix(strings.TrimSpace(c), "personal")
					continue
				}
				var name string
				if m := create.FindStringSubmatch(line); m != nil {
					name = m[1]
				} else if m := alter.FindStringSubmatch(line); m != nil {
					name = m[1] + "." + m[2]
				} else {
					continue
				}
				if personal {
					seen++
					where, ok := ExportCoverage[name]
					switch {
					case !ok:
						t.Errorf("%s: %s holds personal data, but ExportCoverage does not say where the export has it", filepath.Base(f), name)
					case strings.HasPrefix(where, "not exported: "):
					case !keys[where]:
						t.Errorf("ExportCoverage places %s at %q, which data.json lacks", name, where)
					}
				}
				personal = false
			}
		}
	}
	if seen == 0 {
		t.Fatal("no personal table found in the migrations: the class comments changed?")
	}
}
