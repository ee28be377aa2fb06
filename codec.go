package kiln

import (
	"encoding/json"
	"errors"
	"io"
)

// JSONCodec encodes and decodes JSON for responses and binding. Set
// Config.JSON to swap encoding/json for another implementation.
type JSONCodec interface {
	// Encode writes v as JSON to w.
	Encode(w io.Writer, v any) error
	// Decode reads exactly one JSON value from r into v. With strict set,
	// object keys that match no field are an error. Data after the value
	// (other than white space) is always an error.
	Decode(r io.Reader, v any, strict bool) error
}

// StdJSON is the default JSONCodec, built on encoding/json.
type StdJSON struct{}

// Encode writes v as JSON followed by a newline.
func (StdJSON) Encode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// Decode reads one JSON value into v and rejects trailing data.
func (StdJSON) Decode(r io.Reader, v any, strict bool) error {
	dec := json.NewDecoder(r)
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}
