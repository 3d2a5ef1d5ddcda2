// Package fault defines Verity's one error type. Domain and storage code say what went wrong
// with a neutral Kind and, for validation failures, per-field messages; only the http package
// turns a Kind into a status code or a page.
package fault

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Kind classifies an error independently of any transport.
type Kind string

// The kinds of error the domain reports.
const (
	Invalid            Kind = "invalid"
	NotFound           Kind = "not_found"
	Conflict           Kind = "conflict"
	PreconditionFailed Kind = "precondition_failed"
	Unauthorized       Kind = "unauthorized"
	Forbidden          Kind = "forbidden"
	TooLarge           Kind = "too_large"
	Internal           Kind = "internal"
)

// Error is an error with a kind, a message safe to show a client, and optional field errors.
type Error struct {
	Kind    Kind
	Message string
	// Fields maps a field name (as the client spells it) to what is wrong with it.
	Fields map[string]string
	// Err is the underlying cause, kept for logs and never shown to clients.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, name := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&b, "; %s: %s", name, e.Fields[name])
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a formatted client-safe message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k that keeps err as its hidden cause.
func Wrap(k Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Err: err}
}

// Field returns an Invalid error about a single field.
func Field(name, message string) *Error {
	return &Error{Kind: Invalid, Message: "validation failed", Fields: map[string]string{name: message}}
}

// Fields collects field errors; its Err method returns nil while it is empty, so validation
// code can check every field and report them all at once.
type Fields map[string]string

// Add records a message for a field, keeping the first one reported.
func (f Fields) Add(name, message string) {
	if _, ok := f[name]; !ok {
		f[name] = message
	}
}

// Err returns the collected errors as one Invalid error, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "validation failed", Fields: maps.Clone(f)}
}

// KindOf returns the kind of err, Internal for errors that carry none, and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err has kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// As returns err's *Error, wrapping errors without one as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "internal error", Err: err}
}

// OneOf is the message for a value outside a fixed list: "must be one of a, b, c".
func OneOf[T ~string](list []T) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = string(v)
	}
	return "must be one of " + strings.Join(parts, ", ")
}
