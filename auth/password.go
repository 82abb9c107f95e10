// Package auth holds the sign-in primitives: argon2id password hashes, the
// common-password list, session tokens and the login rate limiter.
package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"kurz"
)

// Argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	// MinPasswordLen is the shortest password accepted, in bytes.
	MinPasswordLen = 8
	// MaxPasswordLen bounds the work a single sign-in can cause.
	MaxPasswordLen = 1024
)

//go:embed common-passwords.txt
var commonList string

var common = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			m[strings.ToLower(w)] = true
		}
	}
	return m
})

// CheckPassword applies the password rules: 8 to 1024 bytes, not one of the
// most common passwords. The password is otherwise taken byte for byte.
func CheckPassword(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return kurz.FieldError("password", "a password needs at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return kurz.FieldError("password", "a password can have at most %d characters", MaxPasswordLen)
	case common()[strings.ToLower(pw)]:
		return kurz.FieldError("password", "this password is one of the most common ones; choose another")
	}
	return nil
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// dummyHash is verified against when an account does not exist, so an
// unknown login costs the same time as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("kurz dummy password for timing") })

// VerifyPassword reports whether pw matches hash. An empty hash (unknown
// account) runs a dummy verification and returns false.
func VerifyPassword(hash, pw string) bool {
	if hash == "" {
		verify(dummyHash(), pw)
		return false
	}
	ok, err := verify(hash, pw)
	return err == nil && ok
}

func verify(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("auth: not an argon2id hash")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, err
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NewToken returns a session token for a person of region: the region, a
// dot, and 256 random bits. The region prefix lets any region route the
// request; the random part is the secret.
func NewToken(region kurz.Region) string {
	b := make([]byte, 32)
	rand.Read(b)
	return string(region) + "." + base64.RawURLEncoding.EncodeToString(b)
}

// TokenRegion returns the region a token belongs to, or an error for a
// malformed token.
func TokenRegion(token string) (kurz.Region, error) {
	r, secret, ok := strings.Cut(token, ".")
	if !ok || len(secret) != 43 || kurz.Region(r).Validate() != nil {
		return "", kurz.Errorf(kurz.EUnauthorized, "invalid session")
	}
	return kurz.Region(r), nil
}

// HashToken is what the store keeps of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
