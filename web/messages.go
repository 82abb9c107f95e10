package web

import (
	"embed"
	"encoding/json"
	"strings"
)

// messageFiles hold more of the catalogue, one JSON object per language
// (messages/<lang>.json), merged into messages at start: the statement
// categories' names and the search and Discover pages' words.
//
//go:embed messages/*.json
var messageFiles embed.FS

func init() {
	for _, lang := range languages {
		data, err := messageFiles.ReadFile("messages/" + lang + ".json")
		var m map[string]string
		if err == nil {
			err = json.Unmarshal(data, &m)
		}
		if err != nil {
			panic("web: messages/" + lang + ".json: " + strings.TrimSpace(err.Error()))
		}
		for k, v := range m {
			messages[lang][k] = v
		}
	}
}
