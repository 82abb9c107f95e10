// Package kurz holds the domain of the kurz short-video platform: regions,
// IDs, people, errors and the storage interfaces the adapters implement.
//
// The shape of the system is in DESIGN.md: every region is a cell that owns
// its database, blobs, keyring and jobs, and a person's personal data lives
// and is processed only in their home region.
package kurz

import (
	"fmt"
)

// Region names a cell, such as "eu", "us" or "sg".
type Region string

// Validate reports whether r is a well-formed region name: 2-16 lowercase
// letters and digits, starting with a letter. Region names appear in IDs,
// paths and URLs, so the alphabet is deliberately small.
func (r Region) Validate() error {
	if !wellFormedRegion(string(r)) {
		return fmt.Errorf("invalid region name %q: want 2-16 of [a-z0-9], starting with a letter", string(r))
	}
	return nil
}

// wellFormedRegion is ^[a-z][a-z0-9]{1,15}$ checked by hand (every ID
// parsed, on every media request, checks its region).
func wellFormedRegion(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
