package app_test

import (
	"testing"
	"time"
)

// TestFollowerCountCountsApprovals: a request to follow a private
// account (here a 14-year-old's, asked from another region) does not
// count as a follower until it is approved; a refused request never
// counts; removing an approved follower, or their unfollowing, takes
// them off the count again.
func TestFollowerCountCountsApprovals(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	teen := s.signUp("fcteen", "fcteen@example.org", time.Now().AddDate(-14, 0, 0).Format(time.DateOnly), "DE")
	fan := s.signUp("fcfan", "fcfan@example.org", "1990-01-01", "US")
	other := s.signUp("fcother", "fcother@example.org", "1990-01-01", "DE")
	for _, a := range []*account{&teen, &fan, &other} {
		s.login(a)
	}
	waitFor(t, "fcteen's profile in us", func() bool { _, ok := s.Cell("us").Index.ProfileByHandle("fcteen"); return ok })
	followers := func() int64 {
		var p struct{ Followers int64 }
		s.do("GET", "/api/v1/users/fcteen", nil, bearer(teen)...).json(t, &p)
		return p.Followers
	}
	follow := func(a account, on bool) {
		method := "PUT"
		if !on {
			method = "DELETE"
		}
		if r := s.do(method, "/api/v1/users/fcteen/follow", nil, bearer(a)...); r.Status != 200 {
			t.Fatalf("%s %s follow: %d %s", a.Handle, method, r.Status, r.Body)
		}
	}
	answer := func(handle, action string) {
		method, path := "POST", "/api/v1/me/followers/"+handle+"/"+action
		if action == "remove" {
			method, path = "DELETE", "/api/v1/me/followers/"+handle
		}
		if r := s.do(method, path, nil, bearer(teen)...); r.Status != 200 && r.Status != 204 {
			t.Fatalf("%s %s: %d %s", action, handle, r.Status, r.Body)
		}
	}
	settle := func(what string, want int64) {
		t.Helper()
		waitFor(t, what, func() bool { return followers() == want })
	}
	follow(fan, true)
	follow(other, true)
	settle("two pending requests", 0)
	answer("fcfan", "approve")
	settle("one approval", 1)
	answer("fcother", "refuse")
	settle("a refusal", 1)
	answer("fcfan", "remove")
	settle("a removal", 0)
	follow(fan, false)
	follow(fan, true)
	answer("fcfan", "approve")
	settle("approved again", 1)
	follow(fan, false)
	settle("the follower unfollowed", 0)
}
