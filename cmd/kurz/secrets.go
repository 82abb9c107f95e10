package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"kurz/app"
)

// Secrets come from files or the environment, so that none has to be on
// the command line, where every user of the machine can read it (ps,
// /proc/<pid>/cmdline). The flags that take a secret's value are kept for
// compatibility and warned about.
//
//	secret                   file flag                     environment
//	shared link secret       --link-secret-file PATH       KURZ_LINK_SECRET
//	a peer's pair secret     --peer-secret-file R=PATH     KURZ_PEER_SECRET_<R>
//	email locator secret     --locator-secret-file PATH    KURZ_LOCATOR_SECRET
//	a region's KEK           --kek-file R=PATH             KURZ_KEK_<R>
//
// (kurz serve also takes every flag from its config file and from
// KURZ_<FLAG>, so KURZ_LINK_SECRET_FILE works too.) The command line wins
// over the environment; giving a secret's value and its file at the same
// level is an error. Files must not be readable by group or others. Only
// a value given on the command line itself is warned about.
type secretFlags struct {
	linkSecret, linkSecretFile   string
	locatorSecretFile            string
	peerSecrets, peerSecretFiles pairs
	keks, kekFiles               pairs
}

// register adds the secret flags to fs: all of them for serve, the KEK
// ones only for the admin commands.
func (f *secretFlags) register(fs *flag.FlagSet, serve bool) {
	f.keks, f.kekFiles = pairs{}, pairs{}
	fs.Var(f.keks, "kek", "a region's key-encryption key, region=base64 (repeatable; visible in ps: prefer --kek-file or KURZ_KEK_<REGION>)")
	fs.Var(f.kekFiles, "kek-file", "a file holding a region's key-encryption key in base64, region=path (repeatable)")
	if !serve {
		return
	}
	f.peerSecrets, f.peerSecretFiles = pairs{}, pairs{}
	fs.StringVar(&f.linkSecret, "link-secret", "", "shared region link secret, base64 (visible in ps: prefer --link-secret-file or KURZ_LINK_SECRET)")
	fs.StringVar(&f.linkSecretFile, "link-secret-file", "", "a file holding the shared region link secret")
	fs.StringVar(&f.locatorSecretFile, "locator-secret-file", "", "a file holding the email locator secret (default: derived from the link secret; or KURZ_LOCATOR_SECRET)")
	fs.Var(f.peerSecrets, "peer-secret", "a secret of this process's regions and one peer, region=base64 (repeatable; visible in ps: prefer --peer-secret-file or KURZ_PEER_SECRET_<REGION>)")
	fs.Var(f.peerSecretFiles, "peer-secret-file", "a file holding the secret of this process's regions and one peer, region=path (repeatable)")
}

// resolve fills cfg's secrets from the flags (args is the command line
// they were parsed from), files and environment, and returns warnings for
// secrets given on the command line.
func (f *secretFlags) resolve(cfg *app.Config, args []string, getenv func(string) string, serve bool) (warnings []string, err error) {
	// pick decides between a secret's value flag and its file flag when
	// both are set: the one on the command line wins.
	pick := func(value, file string) (useFile bool, err error) {
		v, fl := onCommandLine(args, value), onCommandLine(args, file)
		if v == fl {
			return false, fmt.Errorf("--%s and --%s both give the same secret: give one", value, file)
		}
		return fl, nil
	}
	for r, path := range f.kekFiles {
		if f.keks[r] != "" {
			useFile, err := pick("kek", "kek-file")
			if err != nil {
				return nil, fmt.Errorf("the key of %s: %w", r, err)
			}
			if !useFile {
				continue
			}
			delete(f.keks, r)
		}
		if cfg.KEK[r], err = readSecretFile(path); err != nil {
			return nil, fmt.Errorf("--kek-file %s: %w", r, err)
		}
	}
	for r, v := range f.keks {
		cfg.KEK[r] = v
		if onCommandLine(args, "kek") {
			warnings = append(warnings, "--kek puts a key-encryption key on the command line, where other users of this machine can read it; use --kek-file or KURZ_KEK_"+strings.ToUpper(string(r)))
		}
	}
	for _, r := range cfg.Regions {
		if _, ok := cfg.KEK[r]; !ok {
			if k := getenv("KURZ_KEK_" + strings.ToUpper(string(r))); k != "" {
				cfg.KEK[r] = k
			}
		}
	}
	if !serve {
		return warnings, nil
	}
	useFile := f.linkSecretFile != ""
	if f.linkSecret != "" && useFile {
		if useFile, err = pick("link-secret", "link-secret-file"); err != nil {
			return nil, err
		}
	}
	switch {
	case useFile:
		if cfg.LinkSecret, err = readSecretFile(f.linkSecretFile); err != nil {
			return nil, fmt.Errorf("--link-secret-file: %w", err)
		}
	case f.linkSecret != "":
		cfg.LinkSecret = f.linkSecret
		if onCommandLine(args, "link-secret") {
			warnings = append(warnings, "--link-secret puts the link secret on the command line, where other users of this machine can read it; use --link-secret-file or KURZ_LINK_SECRET")
		}
	default:
		cfg.LinkSecret = getenv("KURZ_LINK_SECRET")
	}
	if f.locatorSecretFile != "" {
		if cfg.LocatorSecret, err = readSecretFile(f.locatorSecretFile); err != nil {
			return nil, fmt.Errorf("--locator-secret-file: %w", err)
		}
	} else {
		cfg.LocatorSecret = getenv("KURZ_LOCATOR_SECRET")
	}
	for r, path := range f.peerSecretFiles {
		if f.peerSecrets[r] != "" {
			useFile, err := pick("peer-secret", "peer-secret-file")
			if err != nil {
				return nil, fmt.Errorf("the secret of %s: %w", r, err)
			}
			if !useFile {
				continue
			}
			delete(f.peerSecrets, r)
		}
		if cfg.PeerSecrets[r], err = readSecretFile(path); err != nil {
			return nil, fmt.Errorf("--peer-secret-file %s: %w", r, err)
		}
	}
	for r, v := range f.peerSecrets {
		cfg.PeerSecrets[r] = v
		if onCommandLine(args, "peer-secret") {
			warnings = append(warnings, "--peer-secret puts a link secret on the command line, where other users of this machine can read it; use --peer-secret-file or KURZ_PEER_SECRET_"+strings.ToUpper(string(r)))
		}
	}
	for r := range cfg.Peers {
		if _, ok := cfg.PeerSecrets[r]; !ok {
			if s := getenv("KURZ_PEER_SECRET_" + strings.ToUpper(string(r))); s != "" {
				cfg.PeerSecrets[r] = s
			}
		}
	}
	sort.Strings(warnings)
	return warnings, nil
}

// onCommandLine reports whether flag name is given in args itself (not
// from a config file or the environment).
func onCommandLine(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if n, _, _ := strings.Cut(a, "="); n == name {
			return true
		}
	}
	return false
}

// readSecretFile reads a secret from a file that only its owner may read.
func readSecretFile(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}
