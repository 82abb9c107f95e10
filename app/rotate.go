package app

import (
	"context"
	"fmt"
	"path/filepath"

	"kurz/keyring"
	"kurz/region"
)

// RotateKEK re-wraps every data key of region c under a fresh KEK and
// destroys the old one (keyring.Rotate). It runs beside the serving
// process, whose keyring follows the key files; run it again after an
// interruption and it carries on. A KEK given in configuration (rather
// than in the key file) cannot be rotated here: the new one would have to
// reach the configuration, which this command does not own.
func RotateKEK(ctx context.Context, cfg Config, c *region.Region, opt keyring.RotateOptions) (keyring.RotateResult, error) {
	if cfg.KEK[c.Region] != "" {
		return keyring.RotateResult{}, fmt.Errorf("region %s's KEK is given in configuration (KURZ_KEK_%s); rotation works on the key file: move the KEK into <keys-dir>/%s/kek first",
			c.Region, upper(string(c.Region)), c.Region)
	}
	ks, ok := c.KeyStore.(keyring.WrappedKeys)
	if !ok {
		return keyring.RotateResult{}, fmt.Errorf("region %s's key store cannot be listed", c.Region)
	}
	m := &Main{Config: cfg}
	res, err := keyring.Rotate(ctx, filepath.Join(m.keysDir(c.Region), "kek"), ks, opt)
	if err != nil {
		return res, err
	}
	// The old wrapped forms leave the write-ahead log too.
	return res, c.KeyStore.Checkpoint(ctx)
}

func upper(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - 32
		}
	}
	return string(b)
}
