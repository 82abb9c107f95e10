// Package guard holds the front door's defences that belong to no
// concern: timeouts and minimum transfer rates, strict JSON decoding and
// text checks, the client's address behind trusted proxies (and no Host
// header in a Location), and the throttles every password check passes. httpapi applies them to every
// request; nothing here knows routes, regions or services. It imports only
// the root package and auth.
package guard
