package kiln

import (
	"encoding/json"
	"errors"
	"io"
)

// JSONCodec encodes and decodes JSON for responses and binding. Set
// Config.JSON to swap encoding/json for another implementation; JSON,
// Respond and Bind then use it for every request the app serves.
//
// Implementations must be safe for concurrent use.
type JSONCodec interface {
	// Encode writes v as JSON to w.
	Encode(w io.Writer, v any) error
	// Decode reads exactly one JSON value from r into v. With strict set,
	// object keys that match no field are an error. Data after the value
	// (other than white space) is always an error.
	Decode(r io.Reader, v any, strict bool) error
}

// StdJSON is the default JSONCodec, built on encoding/json. Its zero value
// is ready to use and safe for concurrent use.
//
// Encode allocates nothing beyond what encoding/json needs for v itself:
// the json.Encoder lives on the stack and encoding/json pools its own
// scratch buffers.
type StdJSON struct {
	// DisableHTMLEscape writes <, > and & as they are instead of as
	// \u003c, \u003e and \u0026. Both forms are valid JSON and decode to
	// the same string. Escaping keeps a response safe to embed in an HTML
	// <script> element and harmless if a browser sniffs it as HTML, so
	// only turn it off for APIs whose clients compare raw bytes. Defaults
	// to false: escaped, as encoding/json does.
	DisableHTMLEscape bool
}

// Encode writes v as JSON followed by a newline.
func (c StdJSON) Encode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	if c.DisableHTMLEscape {
		enc.SetEscapeHTML(false)
	}
	return enc.Encode(v)
}

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
