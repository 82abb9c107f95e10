package kurz

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"time"
)

// crockford is the Crockford base32 alphabet: no I, L, O or U, so IDs read
// aloud or typed by hand are not ambiguous.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// idBodyLen is the length of the part after the region prefix: 48 bits of
// milliseconds and 80 random bits, 26 base32 characters, sortable by time.
const idBodyLen = 26

// NewID returns a new ID for an object owned by region, for example
// "eu_01jd3xk7q8m4v6tz9e2c5wrhbn". The region prefix lets any cell route a
// request without a global lookup; the body sorts by creation time.
func NewID(region Region) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	rand.Read(b[6:])
	var out [idBodyLen]byte
	// 128 bits into 26 base32 digits (130 bits): take 5 bits at a time from
	// a big-endian bit stream with two leading zero bits.
	var acc uint64
	bits := 2
	i, o := 0, 0
	for o < idBodyLen {
		if bits < 5 {
			acc = acc<<8 | uint64(b[i])
			i++
			bits += 8
		}
		bits -= 5
		out[o] = crockford[(acc>>uint(bits))&31]
		o++
	}
	return string(region) + "_" + string(out[:])
}

// ParseID splits an ID into its home region and body. It is the one place
// that knows the ID format; every router uses it.
func ParseID(id string) (Region, error) {
	region, body, ok := strings.Cut(id, "_")
	if !ok || len(body) != idBodyLen {
		return "", Errorf(EInvalid, "malformed id")
	}
	if err := Region(region).Validate(); err != nil {
		return "", Errorf(EInvalid, "malformed id")
	}
	if body[0] > '7' { // the top two bits are always zero
		return "", Errorf(EInvalid, "malformed id")
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(crockford, body[i]) < 0 {
			return "", Errorf(EInvalid, "malformed id")
		}
	}
	return Region(region), nil
}
