package httpapi

import (
	"net/http"

	"kurz"
	"kurz/accounts"
	"kurz/region"
)

// trustDoor is what package trust's handlers get of the server.
type trustDoor struct{ s *Server }

func (d trustDoor) Authenticate(r *http.Request) (*kurz.Profile, *region.Region, string, error) {
	p, c, err := d.s.authenticate(r)
	if err == nil && c.Region != p.Region() {
		// A person of another process's region: their own region serves
		// these requests.
		err = kurz.Errorf(kurz.EUnavailable, "this is served by your home region")
	}
	return p, c, token(r), err
}
func (d trustDoor) Error(w http.ResponseWriter, r *http.Request, err error) { d.s.error(w, r, err) }
func (d trustDoor) ReadJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	return readJSON(w, r, v)
}
func (d trustDoor) Cell(r kurz.Region) *region.Region { return d.s.Cells[r] }
func (d trustDoor) Entry() *region.Region             { return d.s.Door }
func (d trustDoor) Forward(w http.ResponseWriter, r *http.Request, to kurz.Region, body []byte) {
	d.s.forward(w, r, to, body)
}
func (d trustDoor) CheckIP(r *http.Request) error { return d.s.checkIP(r) }
func (d trustDoor) CheckPassword(w http.ResponseWriter, r *http.Request, account string, check func() error) error {
	return d.s.checkPassword(w, r, account, check)
}
func (d trustDoor) SetSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: d.s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(accounts.SessionTTL.Seconds())})
}
