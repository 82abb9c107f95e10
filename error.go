package kurz

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. The HTTP layer maps them to statuses;
// the message of an *Error is safe to show to a client, the cause is not.
const (
	EInvalid      = "invalid"              // 400: the request is malformed or breaks a rule
	EUnauthorized = "unauthorized"         // 401: not signed in, or bad credentials
	EForbidden    = "forbidden"            // 403: signed in but not allowed
	ENotFound     = "not_found"            // 404: absent, or not visible to the caller
	EConflict     = "conflict"             // 409: already exists
	ETooLarge     = "too_large"            // 413: body or file too large
	ERateLimited  = "rate_limited"         // 429: slow down
	EUnavailable  = "unavailable"          // 503: a dependency (peer region, database) is down
	ENoSpace      = "insufficient_storage" // 507: the server's disk is (nearly) full
	EInternal     = "internal"             // 500: a bug or an unexpected failure
)

// Error is a domain error with a code and a message fit for clients.
type Error struct {
	Code    string
	Message string
	// Field names the offending input field, if any.
	Field string
	// RetryAfter is set for ERateLimited, in seconds.
	RetryAfter int
	// Details are more for the client, shown with the message (the
	// statements and appeal token of a suspended person's sign-in).
	Details map[string]any
	// Cause is the internal error, never shown to clients.
	Cause error
	// Fields are every field's error when a request was checked field by
	// field (FieldErrors); the error itself is the first of them.
	Fields []*Error
	// Format and Args are Message before formatting, so the API can say
	// it in the caller's language (package apitext).
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with the given code and a client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// FieldError returns an EInvalid error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// FieldErrors joins the errors of a request's fields into one, so a
// client learns of every bad field at once: nil if all are nil; the one
// error if only one is not; else the first, listing all in Fields. An
// error about no field (not EInvalid, or without Field) is returned alone,
// since it is not about what the person typed.
func FieldErrors(errs ...error) error {
	var list []*Error
	for _, err := range errs {
		if err == nil {
			continue
		}
		e := AsError(err)
		if e.Code != EInvalid || e.Field == "" {
			return err
		}
		if len(e.Fields) > 0 {
			list = append(list, e.Fields...)
		} else {
			list = append(list, e)
		}
	}
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	}
	first := *list[0]
	first.Fields = list
	return &first
}

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = &Error{Code: ENotFound, Message: "not found"}

// ErrorCode returns the code of err, or EInternal for errors that are not
// an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns err as an *Error; other errors become an EInternal error
// with a generic message and err as the cause.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EInternal, Message: "internal error", Cause: err}
}

// HTTPStatus is the one map from error codes to HTTP statuses, used by the
// API, the upload endpoint and the region link alike.
func HTTPStatus(code string) int {
	switch code {
	case EInvalid:
		return 400
	case EUnauthorized:
		return 401
	case EForbidden:
		return 403
	case ENotFound:
		return 404
	case EConflict:
		return 409
	case ETooLarge:
		return 413
	case ERateLimited:
		return 429
	case EUnavailable:
		return 503
	case ENoSpace:
		return 507
	}
	return 500
}
