package safety

import (
	"crypto/hmac"
	"crypto/sha256"

	"kurz"
	"kurz/cell"
)

// PartyHash is the keyed pseudonym that stands for a signed-in person in
// the moderation records of any region: as a notifier, an appellant or the
// person a decision affects. Every region computes it alike (keyed by the
// cluster's locator key), so the content's region can tell whether one of
// its moderators is a party without ever storing a person ID of another
// region.
func (c *Service) PartyHash(personID string) []byte { return partyHash(c.Cell, personID) }

// partyHash is PartyHash for every part of the package (Screen too).
func partyHash(c *cell.Cell, personID string) []byte { return keyedHash(c, "person:"+personID) }

// keyedHash is the pseudonym of a notifier's key: "person:<id>" for people
// signed in, the network for anonymous notifiers.
func keyedHash(c *cell.Cell, key string) []byte {
	m := hmac.New(sha256.New, c.Locator)
	m.Write([]byte("reporter\x00" + key))
	return m.Sum(nil)
}

// owner names the affected person of this region's content: their ID only
// when they are a person of this region, and always their keyed hash and
// home region.
func owner(c *cell.Cell, personID string) (local string, hash []byte, region kurz.Region) {
	region, _ = kurz.ParseID(personID)
	if region == c.Region {
		local = personID
	}
	return local, partyHash(c, personID), region
}
