package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/internal/pgtest"
	"kurz/link"
)

// TestOneAccountPerEmailAcrossRegions: sign-ups with one email (spelt
// three ways) sent at once to DE, US and SG, 20 times over, give exactly
// one account each time; the others get 409 on the email field and leave
// nothing behind. It runs on the store of the test run (SQLite, or
// PostgreSQL with KURZ_TEST_STORE=postgres) and with the directory region
// on PostgreSQL and the others on SQLite.
func TestOneAccountPerEmailAcrossRegions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(t *testing.T) func(*app.Config)
	}{
		{"RunStore", func(*testing.T) func(*app.Config) { return func(*app.Config) {} }},
		{"DirectoryOnPostgres", func(t *testing.T) func(*app.Config) {
			url := pgtest.NewDatabase(t)
			return func(c *app.Config) {
				if os.Getenv("KURZ_TEST_STORE") != "postgres" {
					c.DB = map[kurz.Region]string{}
				}
				c.DB["eu"] = url
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, tc.edit(t))
			if s.Config.Directory != "" && s.Config.Directory != "eu" {
				t.Fatalf("the directory is %s; the test expects eu", s.Config.Directory)
			}
			const runs = 20
			countries := []string{"DE", "US", "SG"}
			for run := range runs {
				email := fmt.Sprintf("same.%d@example.org", run)
				spellings := []string{email, strings.ToUpper(email), "  " + email}
				statuses := make([]int, len(countries))
				bodies := make([][]byte, len(countries))
				errs := make([]error, len(countries))
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i, country := range countries {
					wg.Add(1)
					go func() {
						defer wg.Done()
						body, _ := json.Marshal(map[string]string{"handle": fmt.Sprintf("same%d%s", run, strings.ToLower(country)),
							"email": spellings[i], "password": "a good long passphrase", "birth_date": "1990-01-01", "country": country})
						<-start
						resp, err := http.Post(s.URL()+"/api/v1/accounts", "application/json", bytes.NewReader(body))
						if err != nil {
							errs[i] = err
							return
						}
						defer resp.Body.Close()
						statuses[i] = resp.StatusCode
						bodies[i], _ = io.ReadAll(resp.Body)
					}()
				}
				close(start)
				wg.Wait()
				// Every sign-up gets the same answer (a taken email is not
				// told apart); the stores say how many were created.
				for i := range countries {
					switch {
					case errs[i] != nil:
						t.Fatalf("run %d, %s: %v", run, countries[i], errs[i])
					case statuses[i] != http.StatusCreated:
						t.Fatalf("run %d, %s: %d %s; want 201", run, countries[i], statuses[i], bodies[i])
					}
				}
				created := 0
				for _, r := range []kurz.Region{"eu", "us", "sg"} {
					created += s.count(r, "accounts")
				}
				if created != run+1 {
					t.Fatalf("run %d: %d accounts created for one email, want 1 (%v)", run, created-run, statuses)
				}
			}
			// Exactly one account per email in all regions together, and
			// the losers left no profile, account or handle behind.
			var profiles, accounts int
			for _, r := range []kurz.Region{"eu", "us", "sg"} {
				profiles += s.count(r, "profiles")
				accounts += s.count(r, "accounts")
			}
			if profiles != runs || accounts != runs {
				t.Fatalf("%d profiles and %d accounts for %d emails", profiles, accounts, runs)
			}
			if n := s.count("eu", "email_claims"); n != runs {
				t.Fatalf("the directory holds %d email claims, want %d", n, runs)
			}
			if n := s.count("eu", "handle_claims"); n != runs {
				t.Fatalf("the directory holds %d handle claims, want %d (the losers' were released)", n, runs)
			}
			for _, r := range []kurz.Region{"us", "sg"} {
				if n := s.count(r, "email_claims"); n != 0 {
					t.Fatalf("%s holds %d email claims; only the directory does", r, n)
				}
			}
			// Signing in by email finds the one account.
			for run := range runs {
				r := s.do("POST", "/api/v1/sessions", map[string]string{"login": fmt.Sprintf("Same.%d@example.org", run), "password": "a good long passphrase"})
				if r.Status != http.StatusCreated {
					t.Fatalf("login by email after run %d: %d %s", run, r.Status, r.Body)
				}
			}
		})
	}
}

// TestEmailClaimReleasedAtErasure: erasure gives the email back at the
// directory (a retried step), so the address can sign up again anywhere;
// the directory keeps no email, only its own keyed hash of the locator.
func TestEmailClaimReleasedAtErasure(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	email := canary("claimed.") + "@example.org"
	me := s.signUp("claimed", email, "1990-01-01", "US")
	s.login(&me)
	eu, us := s.Cell("eu"), s.Cell("us")
	locator := us.EmailLocator(email)
	var n int
	if err := rawSQL(eu).QueryRow(`SELECT count(*) FROM email_claims WHERE user_id = $1 AND email_key <> $2`, me.ID, locator).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the directory's claim: %d rows (%v), want one keyed apart from the locator", n, err)
	}
	if r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": "claimed2", "email": email, "password": "a good long passphrase",
		"birth_date": "1990-01-01", "country": "SG"}); r.Status != http.StatusCreated || s.count("sg", "profiles") != 0 {
		t.Fatalf("the same email in sg before erasure: %d %s (it must look accepted and create nothing)", r.Status, r.Body)
	}

	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": me.Password}, "Authorization", "Bearer "+me.Token); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	// The grace period ends (the test moves the run date instead of waiting 14 days).
	if err := us.Store.PutErasure(t.Context(), me.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	us.Privacy.SweepPrivacy(t.Context())
	waitFor(t, "the directory to release the email", func() bool { return s.count("eu", "email_claims") == 0 })
	if r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": "claimed2", "email": email, "password": "a good long passphrase",
		"birth_date": "1990-01-01", "country": "SG"}); r.Status != http.StatusCreated {
		t.Fatalf("the erased person's email in sg: %d %s", r.Status, r.Body)
	}
}

// TestEmailClaimsOnlyForOwnPeople: a region can neither claim nor release
// an email for a person of another region, and only the directory takes
// claims.
func TestEmailClaimsOnlyForOwnPeople(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	victim := s.signUp("victim", "victim@example.org", "1990-01-01", "DE")
	us := s.Cell("us")
	locator := us.EmailLocator("someone@example.org")
	ctx := t.Context()
	if err := us.Link.ClaimEmail(ctx, "eu", link.ClaimEmailRequest{Locator: locator, UserID: victim.ID}); kurz.ErrorCode(err) != kurz.EForbidden {
		t.Fatalf("us claiming for an eu person: %v", err)
	}
	if err := us.Link.ReleaseEmail(ctx, "eu", link.ReleaseEmailRequest{UserID: victim.ID}); kurz.ErrorCode(err) != kurz.EForbidden {
		t.Fatalf("us releasing an eu person's email: %v", err)
	}
	if err := us.Link.ClaimEmail(ctx, "sg", link.ClaimEmailRequest{Locator: locator, UserID: kurz.NewID("us")}); kurz.ErrorCode(err) != kurz.EInvalid {
		t.Fatalf("a claim at a region that is not the directory: %v", err)
	}
	if err := us.Link.ClaimEmail(ctx, "eu", link.ClaimEmailRequest{Locator: locator[:5], UserID: kurz.NewID("us")}); kurz.ErrorCode(err) != kurz.EInvalid {
		t.Fatalf("a short locator: %v", err)
	}
	if n := s.count("eu", "email_claims"); n != 1 {
		t.Fatalf("the directory holds %d email claims, want the victim's only", n)
	}
}

// TestLookalikeHandlesCollide: a handle that looks like a taken one is
// taken, from any region, however it is spelt; old claims get their key
// at the directory's start.
func TestLookalikeHandlesCollide(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.signUp("paypal", "paypal@example.org", "1990-01-01", "DE")
	s.signUp("mike.k", "mike@example.org", "1990-01-01", "US")
	for i, h := range []string{"paypa1", "PAYPAL", "ｐａｙｐａｌ", "раураl", "pay\u200bpal", "ΡΑΥΡΑL", "@paypal", "rnike.k", "MIKE.K"} {
		country := []string{"DE", "US", "SG"}[i%3]
		r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": h, "email": fmt.Sprintf("look%d@example.org", i),
			"password": "a good long passphrase", "birth_date": "1990-01-01", "country": country})
		if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), `"field":"handle"`) {
			t.Errorf("look-alike %q from %s: %d %s; want 409 on the handle", h, country, r.Status, r.Body)
		}
	}
	if n := s.count("eu", "handle_claims"); n != 2 {
		t.Fatalf("%d handle claims after refused look-alikes, want 2", n)
	}
	// Handles that only look alike to a careless eye still work.
	s.signUp("paypals", "paypals@example.org", "1990-01-01", "SG")

	// A claim from before handle keys gets one when the directory fills
	// them in; a new look-alike of it is then taken.
	eu := s.Cell("eu")
	if err := eu.Store.ClaimHandle(t.Context(), &kurz.HandleClaim{Handle: "oldie0", UserID: kurz.NewID("us"), ClaimedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	eu.HandleDirectory.BackfillHandleKeys(t.Context())
	if c, err := eu.Store.HandleClaimOf(t.Context(), "oldie0"); err != nil || c.Key != kurz.HandleKey("oldie0") {
		t.Fatalf("old claim after backfill: %+v, %v", c, err)
	}
	if r := s.do("POST", "/api/v1/accounts", map[string]string{"handle": "oldieo", "email": "oldieo@example.org",
		"password": "a good long passphrase", "birth_date": "1990-01-01", "country": "US"}); r.Status != http.StatusConflict {
		t.Fatalf("a look-alike of an old handle: %d %s", r.Status, r.Body)
	}
}
