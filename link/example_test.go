package link_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"kurz"
	"kurz/link"
)

// A concern package registers its calls on its region's Mux; a Handler
// serves the Muxes of the process's regions, and a peer's Client calls
// them with typed functions.
func ExampleHandle() {
	// In a concern package (accounts, say), given the region's Mux:
	mux := link.NewMux()
	link.Handle(mux, link.RouteLocateEmail, func(ctx context.Context, from kurz.Region, in *link.LocateEmailRequest) (*link.LocateEmailResponse, error) {
		return &link.LocateEmailResponse{Found: len(in.Locator) == 32}, nil
	})

	// In main: one Handler for the regions this process serves.
	keys := &link.Keys{Shared: []byte("an example secret of 32 bytes!!!")}
	served := map[kurz.Region]*link.Mux{"us": mux}
	handler := &link.Handler{
		Verifier: &link.Verifier{
			Secrets: keys.Secrets(),
			Serves:  func(r kurz.Region) bool { return served[r] != nil },
			Known:   func(r kurz.Region) bool { return slices.Contains([]kurz.Region{"eu", "us"}, r) },
		},
		Mux: func(r kurz.Region) *link.Mux { return served[r] },
	}
	var _ http.Handler = handler // mounted at /link/v1/

	// eu calls us; here both live in this process.
	eu := &link.Client{From: "eu", Secrets: keys.Secrets(), Peers: map[kurz.Region]string{"us": "local"}, Local: handler}
	out, err := eu.LocateEmail(context.Background(), "us", link.LocateEmailRequest{Locator: make([]byte, 32)})
	fmt.Println(out.Found, err)
	// Output: true <nil>
}
