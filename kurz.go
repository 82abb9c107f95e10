// Package kurz holds the domain of the kurz short-video platform: regions,
// IDs, people, errors and the storage interfaces the adapters implement.
//
// The shape of the system is in DESIGN.md: every region is a cell that owns
// its database, blobs, keyring and jobs, and a person's personal data lives
// and is processed only in their home region.
package kurz

import (
	"fmt"
	"regexp"
)

// Region names a cell, such as "eu", "us" or "sg".
type Region string

var regionRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)

// Validate reports whether r is a well-formed region name: 2-16 lowercase
// letters and digits, starting with a letter. Region names appear in IDs,
// paths and URLs, so the alphabet is deliberately small.
func (r Region) Validate() error {
	if !regionRE.MatchString(string(r)) {
		return fmt.Errorf("invalid region name %q: want 2-16 of [a-z0-9], starting with a letter", string(r))
	}
	return nil
}
