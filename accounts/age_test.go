package accounts_test

import (
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/accounts"
)

func signUpBorn(birth string) *accounts.SignUp {
	return &accounts.SignUp{Handle: "ageless", Email: "age@example.org", Password: "a good long passphrase", BirthDate: birth, Country: "DE"}
}

// TestAgeDoesNotDependOnTheServersZone: a birth date exactly 13 years
// before tomorrow is refused by a server on UTC and equally by one on
// UTC+14, at every hour of the day; ages count on the earliest date on
// Earth (UTC−12).
func TestAgeDoesNotDependOnTheServersZone(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("UTC+14", 14*3600), time.FixedZone("UTC-12", -12*3600)}
	for _, zone := range zones {
		for hour := range 24 {
			// The injected clock: the server's own now, in its zone.
			now := time.Date(2026, time.March, 10, hour, 30, 0, 0, zone)
			tomorrow := now.AddDate(0, 0, 1)
			// Tomorrow by the server's calendar and by UTC's.
			for _, tm := range []time.Time{tomorrow, tomorrow.UTC()} {
				birth := tm.AddDate(-kurz.MinAge, 0, 0).Format(time.DateOnly)
				_, err := accounts.ValidateSignUp(signUpBorn(birth), now)
				if err == nil || !strings.Contains(err.Error(), "at least 13") {
					t.Errorf("server in %s at %s: born %s (13 years before tomorrow) got %v, want refused", zone, now.Format(time.DateTime), birth, err)
				}
			}
		}
	}
	// The birthday counts once it has begun everywhere: the day after,
	// by UTC−12's calendar, is accepted in every zone.
	for _, zone := range zones {
		now := time.Date(2026, time.March, 10, 12, 0, 0, 0, time.UTC).In(zone)
		birth := time.Date(2026-kurz.MinAge, time.March, 10, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		if _, err := accounts.ValidateSignUp(signUpBorn(birth), now); err != nil {
			t.Errorf("server in %s: a 13th birthday that has begun everywhere: %v", zone, err)
		}
		// Eleven hours and a half earlier, it had not begun on Baker Island.
		if _, err := accounts.ValidateSignUp(signUpBorn(birth), now.Add(-(11*time.Hour + 30*time.Minute))); err == nil {
			t.Errorf("server in %s: a 13th birthday not yet begun in UTC-12 was accepted", zone)
		}
	}
}

func TestAgeAt(t *testing.T) {
	birth := time.Date(2010, time.June, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, time.June, 15, 11, 59, 0, 0, time.UTC), 15}, // still June 14 in UTC−12
		{time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC), 16},
		{time.Date(2026, time.June, 15, 23, 0, 0, 0, time.FixedZone("UTC+14", 14*3600)), 15},  // 09:00 UTC
		{time.Date(2026, time.June, 14, 23, 0, 0, 0, time.FixedZone("UTC-12", -12*3600)), 15}, // 11:00 UTC on the 15th
		{time.Date(2026, time.June, 15, 0, 0, 0, 0, time.FixedZone("UTC-12", -12*3600)), 16},  // 12:00 UTC
	} {
		if got := kurz.AgeAt(birth, c.now); got != c.want {
			t.Errorf("AgeAt(%s) = %d, want %d", c.now, got, c.want)
		}
	}
}
