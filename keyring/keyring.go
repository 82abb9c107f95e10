// Package keyring holds a region's keys: the key-encryption key (KEK), the
// per-person data keys it wraps, and the keys of the blind indexes.
//
// Every personal field is sealed with AES-256-GCM under its owner's data
// key, with the owner's ID and the field name as additional data, so a
// ciphertext cannot be moved to another person or field. Destroying a data
// key (crypto-shredding) makes all of that person's fields unreadable, in
// the live database and in every backup.
package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// KeySize is the size of every key in bytes (AES-256).
const KeySize = 32

// version prefixes every wrapped key and sealed value so keys and formats
// can be rotated later.
const version = 1

// ErrDecrypt means a value could not be opened: wrong key, tampering, or a
// destroyed data key.
var ErrDecrypt = errors.New("keyring: cannot decrypt")

// Keyring is one region's set of keys. It is safe for concurrent use.
//
// A keyring loaded from a key file follows a rotation of that file (see
// Rotate) while it serves: once the next KEK appears beside the file, new
// data keys are wrapped under it and keys wrapped under either are opened;
// once the rotation ends, the old KEK is dropped from memory too.
type Keyring struct {
	mu    sync.RWMutex
	keks  []cipher.AEAD // keks[0] wraps new data keys; all of them open
	index []byte        // blind-index key: derived from the first KEK, kept across rotations

	path     string    // the key file, if loaded from one
	hasNext  bool      // the next KEK (path + ".next") is loaded
	reloaded time.Time // last reload after a key did not open
}

// New builds a keyring from a 32-byte KEK.
func New(kek []byte) (*Keyring, error) {
	if len(kek) != KeySize {
		return nil, fmt.Errorf("keyring: KEK must be %d bytes, got %d", KeySize, len(kek))
	}
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	idx, err := indexKey(kek)
	if err != nil {
		return nil, err
	}
	return &Keyring{keks: []cipher.AEAD{aead}, index: idx}, nil
}

// indexKey is the blind-index key a region's first KEK derives. A rotated
// KEK does not derive it again: the key file carries it on, so the
// indexes stored under it keep working.
func indexKey(kek []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, kek, nil, "kurz blind index v1", KeySize)
}

// ParseKey decodes a base64 (standard or URL, padded or not) 32-byte key,
// as given in configuration.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("keyring: a key must be %d bytes in base64", KeySize)
}

// LoadOrCreate reads the KEK from path, creating it (mode 0600, in a 0700
// folder) with a fresh random key if it does not exist. A key file readable
// by others is refused.
func LoadOrCreate(path string) (*Keyring, error) {
	_, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		k := make([]byte, KeySize)
		rand.Read(k)
		enc := base64.StdEncoding.EncodeToString(k) + "\n"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("keyring: create key file: %w", err)
		}
		if _, err := f.WriteString(enc); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("keyring: read key file: %w", err)
	}
	k := &Keyring{path: path}
	if err := k.load(); err != nil {
		return nil, err
	}
	return k, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// NewDataKey makes a fresh data key for a person and returns it with its
// wrapped form (sealed under the KEK, bound to userID) for storage.
//
// While a rotation runs, new keys are wrapped under the next KEK: a key
// file's keyring looks for it before every new key.
func (k *Keyring) NewDataKey(userID string) (*DataKey, []byte, error) {
	if k.path != "" {
		_, err := os.Stat(k.path + nextSuffix)
		k.mu.RLock()
		changed := (err == nil) != k.hasNext
		k.mu.RUnlock()
		if changed {
			if err := k.load(); err != nil {
				return nil, nil, err
			}
		}
	}
	raw := make([]byte, KeySize)
	rand.Read(raw)
	dk, err := newDataKey(userID, raw)
	if err != nil {
		return nil, nil, err
	}
	k.mu.RLock()
	kek := k.keks[0]
	k.mu.RUnlock()
	return dk, seal(kek, raw, dekAAD(userID)), nil
}

func dekAAD(userID string) []byte { return []byte("kurz dek\x00" + userID) }

// Unwrap opens a stored wrapped data key of userID. A key that opens
// under none of the loaded KEKs makes a key file's keyring read its files
// again (at most once a second), in case a rotation began or ended.
func (k *Keyring) Unwrap(userID string, wrapped []byte) (*DataKey, error) {
	raw, err := k.unwrap(userID, wrapped)
	if err != nil && k.path != "" {
		k.mu.Lock()
		stale := time.Since(k.reloaded) > time.Second
		if stale {
			k.reloaded = time.Now()
		}
		k.mu.Unlock()
		if stale && k.load() == nil {
			raw, err = k.unwrap(userID, wrapped)
		}
	}
	if err != nil {
		return nil, err
	}
	return newDataKey(userID, raw)
}

func (k *Keyring) unwrap(userID string, wrapped []byte) ([]byte, error) {
	k.mu.RLock()
	keks := k.keks
	k.mu.RUnlock()
	for _, kek := range keks {
		if raw, err := open(kek, wrapped, dekAAD(userID)); err == nil {
			return raw, nil
		}
	}
	return nil, ErrDecrypt
}

// Index returns the blind index of value for a purpose (such as "email"):
// an HMAC-SHA256 under the region's index key, used for equality lookups
// without storing the value.
func (k *Keyring) Index(purpose string, value []byte) []byte {
	k.mu.RLock()
	m := hmac.New(sha256.New, k.index)
	k.mu.RUnlock()
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(value)
	return m.Sum(nil)
}

// DataKey is one person's data key, opened.
type DataKey struct {
	userID string
	aead   cipher.AEAD
}

func newDataKey(userID string, raw []byte) (*DataKey, error) {
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, err
	}
	return &DataKey{userID: userID, aead: aead}, nil
}

// Seal encrypts the value of a field of the key's owner.
func (d *DataKey) Seal(field string, plaintext []byte) []byte {
	return seal(d.aead, plaintext, d.aad(field))
}

// Open decrypts a value sealed by Seal for the same owner and field.
func (d *DataKey) Open(field string, sealed []byte) ([]byte, error) {
	return open(d.aead, sealed, d.aad(field))
}

func (d *DataKey) aad(field string) []byte {
	return []byte("kurz field\x00" + d.userID + "\x00" + field)
}

func seal(aead cipher.AEAD, plaintext, aad []byte) []byte {
	out := make([]byte, 1, 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = version
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, aad)
}

func open(aead cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	ns := aead.NonceSize()
	if len(sealed) < 1+ns+aead.Overhead() || sealed[0] != version {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// Equal compares two indexes in constant time.
func Equal(a, b []byte) bool { return hmac.Equal(a, b) && !bytes.Equal(a, nil) }
