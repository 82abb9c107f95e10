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
	return p, c, token(r), err
}
func (d trustDoor) Error(w http.ResponseWriter, r *http.Request, err error) { d.s.error(w, r, err) }
func (d trustDoor) ReadJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	return readJSON(w, r, v)
}
func (d trustDoor) Cell(r kurz.Region) *region.Region { return d.s.Cells[r] }
func (d trustDoor) Entry() *region.Region             { return d.s.Door }
func (d trustDoor) Forward(w http.ResponseWriter, r *http.Request, to kurz.Region, b []byte) {
	d.s.forward(w, r, to, b)
}
func (d trustDoor) CheckIP(r *http.Request) error { return d.s.checkIP(r) }
func (d trustDoor) CheckPassword(w http.ResponseWriter, r *http.Request, acct string, f func() error) error {
	return d.s.checkPassword(w, r, acct, f)
}
func (d trustDoor) SetSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: d.s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(accounts.SessionTTL.Seconds())})
}
