package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"strings"
)

// messageFiles hold the catalogue, one JSON object per language and file:
// messages/<lang>.json for the pages every part shares, and
// messages/<part>.<lang>.json for one part's own words (a page or a
// feature), so that parts written side by side do not edit one file. A key
// defined twice is a start-up error.
//
//go:embed messages/*.json
var messageFiles embed.FS

func init() {
	names, err := fs.Glob(messageFiles, "messages/*.json")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "messages/"), ".json")
		lang := base[strings.LastIndex(base, ".")+1:]
		if _, ok := messages[lang]; !ok {
			panic("web: " + name + ": no such language " + lang)
		}
		data, err := messageFiles.ReadFile(name)
		var m map[string]string
		if err == nil {
			err = json.Unmarshal(data, &m)
		}
		if err != nil {
			panic("web: " + name + ": " + strings.TrimSpace(err.Error()))
		}
		for k, v := range m {
			if _, dup := messages[lang][k]; dup {
				panic("web: " + name + ": message " + k + " is defined twice")
			}
			messages[lang][k] = v
		}
	}
}
