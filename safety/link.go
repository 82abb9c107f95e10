package safety

import (
	"context"
	"encoding/json"
	"kurz"
	"strings"
)

// LinkHandler serves the Trust & Safety part of the region link.
func (c *Service) LinkHandler(ctx context.Context, from kurz.Region, method, path, rawQuery string, body []byte) (any, bool, error) {
	switch {
	case method == "POST" && path == "/link/v1/notices":
		var in noticeLink
		if err := json.Unmarshal(body, &in); err != nil || in.NoticeRegion != from {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad notice")
		}
		id, err := c.receiveNotice(ctx, &in)
		return map[string]string{"item_id": id}, true, err
	case method == "POST" && path == "/link/v1/statements":
		var in struct {
			NoticeID  string          `json:"notice_id"`
			Statement json.RawMessage `json:"statement"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad statement")
		}
		return struct{}{}, true, c.deliverStatement(ctx, in.NoticeID, in.Statement)
	case method == "GET" && strings.HasPrefix(path, "/link/v1/items/"):
		out, err := c.itemStatus(ctx, strings.TrimPrefix(path, "/link/v1/items/"))
		return out, true, err
	case method == "POST" && path == "/link/v1/appeals":
		var in appealLink
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, true, kurz.Errorf(kurz.EInvalid, "bad appeal")
		}
		id, err := c.receiveAppeal(ctx, from, &in)
		return map[string]string{"item_id": id}, true, err
	}
	return nil, false, nil
}
