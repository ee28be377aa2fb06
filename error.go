package kiln

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is an error with everything Kiln's error handler needs to answer a
// client: an HTTP status, a machine-readable code, a human message safe to
// show, optional per-field errors, and an optional wrapped cause.
//
// The cause (Err) is logged but never shown to clients. Return an *Error
// from a handler, or wrap one with fmt.Errorf("...: %w", err); the error
// handler finds it with errors.As.
type Error struct {
	// Status is the HTTP status code. Defaults to 500 when zero.
	Status int
	// Code is a short machine-readable code such as "validation_failed"
	// or "not_found". Defaults to a code derived from Status.
	Code string
	// Message is a human-readable explanation that is safe to show to the
	// client. Defaults to the status text.
	Message string
	// Fields lists per-field problems, typically for 400 and 422 answers.
	Fields []FieldError
	// Err is the underlying cause. It is logged, never sent to clients.
	Err error
}

// FieldError describes one problem with one input field.
type FieldError struct {
	// Field is the field's name as the client sent it (the JSON key, form
	// name, query parameter or path value name).
	Field string `json:"field"`
	// Message is a human sentence such as "must be at least 3 characters".
	Message string `json:"message"`
	// Code is a machine-readable rule name such as "min" or "required".
	Code string `json:"code,omitempty"`
}

// StatusCoder is implemented by errors that know the HTTP status they
// should be answered with. The error handler honours it for any error in
// the chain, so third-party error types can map themselves to a status.
type StatusCoder interface {
	StatusCode() int
}

// NewError returns an *Error with the given status and message. The code
// is derived from the status ("not_found" for 404 and so on).
func NewError(status int, message string) *Error {
	return &Error{Status: status, Message: message}
}

// Errorf returns an *Error with the given status and a message formatted
// as fmt.Errorf formats it. The message is shown to clients, so format only
// what they may see into it; attach internal errors with WithCause instead.
// Errors matched by %w verbs are also kept as the cause, so errors.Is and
// errors.As see them.
func Errorf(status int, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	e := &Error{Status: status, Message: err.Error()}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		e.Err = u.Unwrap()
	case interface{ Unwrap() []error }:
		e.Err = errors.Join(u.Unwrap()...)
	}
	return e
}

// Error implements the error interface. It includes the cause, so logs show
// it; clients only ever see Message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(fmt.Sprintf("%d %s", e.StatusCode(), e.ErrorCode()))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s %s", f.Field, f.Message)
	}
	if e.Err != nil && !strings.HasSuffix(e.Message, e.Err.Error()) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// StatusCode returns the HTTP status, 500 if none was set.
func (e *Error) StatusCode() int {
	if e.Status < 100 || e.Status > 999 {
		return http.StatusInternalServerError
	}
	return e.Status
}

// ErrorCode returns Code, or a code derived from the status text
// ("unprocessable_entity" for 422) when Code is empty.
func (e *Error) ErrorCode() string {
	if e.Code != "" {
		return e.Code
	}
	return StatusCodeName(e.StatusCode())
}

// PublicMessage returns Message, or the status text when Message is empty.
func (e *Error) PublicMessage() string {
	if e.Message != "" {
		return e.Message
	}
	return http.StatusText(e.StatusCode())
}

// WithCause sets the cause and returns e, for chaining:
//
//	return kiln.NewError(502, "payment provider unavailable").WithCause(err)
func (e *Error) WithCause(err error) *Error {
	e.Err = err
	return e
}

// WithCode sets the machine-readable code and returns e.
func (e *Error) WithCode(code string) *Error {
	e.Code = code
	return e
}

// StatusCodeName turns a status into a snake_case code: 404 becomes
// "not_found", 422 "unprocessable_entity". Unknown statuses give "error".
func StatusCodeName(status int) string {
	t := http.StatusText(status)
	if t == "" {
		return "error"
	}
	t = strings.ToLower(t)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-':
			return '_'
		}
		return -1
	}, t)
}

// ErrorStatus returns the HTTP status an error should be answered with: the
// status of the first *Error or StatusCoder in its chain; 503 for an error
// that is context.DeadlineExceeded (the request ran out of time, as under
// middleware.Timeout); or 500.
func ErrorStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var ke *Error
	if errors.As(err, &ke) {
		return ke.StatusCode()
	}
	var sc StatusCoder
	if errors.As(err, &sc) {
		if s := sc.StatusCode(); s >= 100 && s <= 999 {
			return s
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// BadRequest returns a 400 *Error with the message.
func BadRequest(message string) *Error { return NewError(http.StatusBadRequest, message) }

// NotFound returns a 404 *Error with the message.
func NotFound(message string) *Error { return NewError(http.StatusNotFound, message) }

// Forbidden returns a 403 *Error with the message.
func Forbidden(message string) *Error { return NewError(http.StatusForbidden, message) }

// Unauthorized returns a 401 *Error with the message.
func Unauthorized(message string) *Error { return NewError(http.StatusUnauthorized, message) }

// Conflict returns a 409 *Error with the message.
func Conflict(message string) *Error { return NewError(http.StatusConflict, message) }

// ValidationError returns a 422 *Error with code "validation_failed" that
// lists every failing field.
func ValidationError(fields ...FieldError) *Error {
	return &Error{
		Status:  http.StatusUnprocessableEntity,
		Code:    "validation_failed",
		Message: "The request has invalid fields.",
		Fields:  fields,
	}
}
