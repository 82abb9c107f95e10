package safety

import (
	"context"

	"kurz"
	"kurz/link"
)

// RegisterLink registers the Trust & Safety part of the region link on m:
// notices into this region's queue, statements of reasons for notices
// filed here, and item status for receipts. (Appeals register their own,
// in package appeals.)
func (c *Service) RegisterLink(m *link.Mux) {
	link.Handle(m, link.RouteFileNotice, func(ctx context.Context, from kurz.Region, in *link.FileNoticeRequest) (*link.FileNoticeResponse, error) {
		if in.NoticeRegion != from {
			return nil, kurz.FieldError("notice_region", "a region may only send its own notices")
		}
		id, err := c.receiveNotice(ctx, in)
		if err != nil {
			return nil, err
		}
		return &link.FileNoticeResponse{ItemID: id}, nil
	})
	link.Handle(m, link.RouteDeliverStatement, func(ctx context.Context, from kurz.Region, in *link.DeliverStatementRequest) (*link.Empty, error) {
		return nil, c.deliverStatement(ctx, from, in.NoticeID, in.Statement)
	})
	link.Handle(m, link.RouteItemStatus, func(ctx context.Context, from kurz.Region, in *link.ItemStatusRequest) (*link.ItemStatusResponse, error) {
		return c.itemStatus(ctx, in.ID)
	})
}
