package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strconv"
	"time"

	"github.com/caarlos0/env/v11"
)

// Error is one configuration problem. Its message names the variable, says
// what is wrong with the value and what to do about it; secret values are
// never repeated in it.
type Error struct {
	// Var is the environment variable at fault, with any prefix, such as
	// "KILN_SECRET_KEY". It is empty for problems not tied to one variable,
	// such as an unreadable .env file.
	Var string
	// Msg is the message after "config: ".
	Msg string
	// Err is the underlying cause, if any.
	Err error
}

// Error returns "config: " followed by Msg.
func (e *Error) Error() string { return "config: " + e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// explain turns env's errors, which name Go fields, into *Errors that name
// variables and say what a valid value looks like.
func (w *walker) explain(err error, vars map[string]string) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return &Error{Msg: err.Error(), Err: err}
	}
	var out []error
	next := 0
	for _, e := range agg.Errors {
		var (
			pe  env.ParseError
			npe env.NoParserError
			ns  env.VarIsNotSetError
			ev  env.EmptyVarError
			lf  env.LoadFileContentError
			nt  env.NoSupportedTagOptionError
		)
		switch {
		case errors.As(e, &pe):
			var key string
			key, next = w.keyFor(pe.Name, pe.Type, next)
			if key == "" {
				out = append(out, &Error{Msg: fmt.Sprintf("field %s: %v", pe.Name, pe.Err), Err: e})
				continue
			}
			out = append(out, &Error{Var: key, Msg: key + ": " + describe(pe.Type, vars[key], pe.Err), Err: e})
		case errors.As(e, &ns):
			out = append(out, &Error{Var: ns.Key, Msg: ns.Key + " is required but not set; set it in the environment or in the .env file", Err: e})
		case errors.As(e, &ev):
			out = append(out, &Error{Var: ev.Key, Msg: ev.Key + " is set but empty; give it a value", Err: e})
		case errors.As(e, &lf):
			out = append(out, &Error{Var: lf.Key, Msg: fmt.Sprintf("%s names the file %q, which cannot be read: %v", lf.Key, lf.Filename, lf.Err), Err: e})
		case errors.As(e, &npe):
			out = append(out, &Error{Msg: fmt.Sprintf("field %s has type %s, which env cannot parse; use a basic type or one that implements encoding.TextUnmarshaler", npe.Name, npe.Type), Err: e})
		case errors.As(e, &nt):
			out = append(out, &Error{Msg: fmt.Sprintf("unsupported env tag option %q; use required, notEmpty, file, expand, unset or init", nt.Tag), Err: e})
		default:
			out = append(out, &Error{Msg: e.Error(), Err: e})
		}
	}
	return join(out)
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	levelType    = reflect.TypeFor[slog.Level]()
	urlType      = reflect.TypeFor[url.URL]()
)

// describe says why value does not fit a field of type t.
func describe(t reflect.Type, value string, cause error) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	q := strconv.Quote(value)
	var ne *strconv.NumError
	outOfRange := errors.As(cause, &ne) && errors.Is(ne.Err, strconv.ErrRange)
	switch {
	case t == durationType:
		return q + ` is not a duration; use a number with a unit, such as "30s", "5m" or "1h30m"`
	case t == levelType:
		return q + " is not a log level; use debug, info, warn or error"
	case t == urlType:
		return q + " is not a URL: " + cause.Error()
	case outOfRange:
		return fmt.Sprintf("%s is out of range for %s", q, t)
	}
	switch t.Kind() {
	case reflect.Bool:
		return q + " is not a boolean; use true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return q + " is not a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return q + " is not a non-negative whole number"
	case reflect.Float32, reflect.Float64:
		return q + " is not a number"
	}
	return cause.Error()
}
