package kiln

// Binding: Bind fills a struct from one request.
//
// The work is split in two. The first time a struct type is bound, Bind
// builds a plan for it (bindPlanFor) from its struct tags: which fields come
// from the JSON body, the form body, the query string, path values and
// headers, how to parse each one, what name a client knows each field by, and
// whether its `validate` tag needs presence tracking (see validate.go). Plans
// are kept in a sync.Map keyed by reflect.Type, so after the first request a
// bind is a map lookup plus the decoding itself.
//
// The body is read into a pooled buffer, bounded by BindConfig.MaxBodyBytes,
// before it is decoded. Having the bytes lets Bind answer bad JSON with a line
// and column, name the offending field with its index ("items[2].qty"), find
// an unknown key, and record which keys were present, all with one small
// scanner (bindScan) that walks the JSON alongside the plan. The scanner runs
// on the error path, and on the success path only for types that have a
// presence-sensitive `required` rule.
//
// Sources are applied in a fixed order, later ones winning when a field has
// several tags: body (JSON or form), query, header, path.

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// BindConfig sets limits and strictness for Bind. The zero value gives the
// documented defaults.
type BindConfig struct {
	// MaxBodyBytes limits JSON, XML and urlencoded form bodies. Larger
	// bodies are answered 413. Defaults to 1 MiB.
	MaxBodyBytes int64
	// MaxMultipartBytes limits multipart bodies, files included. Defaults
	// to 32 MiB.
	MaxMultipartBytes int64
	// MaxMultipartMemory is how much of a multipart body is kept in memory;
	// the rest of the files go to temporary files. Defaults to 8 MiB.
	MaxMultipartMemory int64
	// AllowUnknownFields accepts JSON object keys that match no field.
	// Defaults to false: unknown keys are a 400 naming the key.
	AllowUnknownFields bool
}

// Default limits used when the matching BindConfig field is zero or negative.
const (
	defaultMaxBodyBytes       = 1 << 20
	defaultMaxMultipartBytes  = 32 << 20
	defaultMaxMultipartMemory = 8 << 20
)

func (c BindConfig) maxBody() int64 {
	if c.MaxBodyBytes > 0 {
		return c.MaxBodyBytes
	}
	return defaultMaxBodyBytes
}

func (c BindConfig) maxMultipart() int64 {
	if c.MaxMultipartBytes > 0 {
		return c.MaxMultipartBytes
	}
	return defaultMaxMultipartBytes
}

func (c BindConfig) maxMultipartMemory() int64 {
	if c.MaxMultipartMemory > 0 {
		return c.MaxMultipartMemory
	}
	return defaultMaxMultipartMemory
}

// Bind fills the struct dst points to from the request r, then validates it
// with Validate's rules.
//
// Fields are bound by struct tag:
//
//	json:"name"     from a JSON body (Content-Type application/json or any +json type)
//	form:"name"     from an application/x-www-form-urlencoded or multipart/form-data body;
//	                *multipart.FileHeader and []*multipart.FileHeader fields take uploaded files
//	query:"name"    from the URL query string
//	path:"name"     from r.PathValue(name)
//	header:"X-Name" from the request header
//
// Fields without a json tag are decoded from JSON by their Go name, as
// encoding/json does, unless they carry a form, query, path or header tag.
// When a field has several tags the later source wins, in the order body,
// query, header, path. Form, query, path and header values may be strings,
// bools, integers, floats, time.Time (RFC 3339), time.Duration, any
// encoding.TextUnmarshaler, a pointer to one of those (nil when absent) or a
// slice of one of those (from repeated keys or header lines). An empty value
// for a non-string field counts as absent; bools also accept "on" and "off"
// as HTML checkboxes send them.
//
// A request without a body (a GET, or Content-Length 0) binds only the other
// sources. An empty JSON body is treated as an empty object, so required
// fields are reported by validation rather than the body being rejected.
//
// Bind takes its limits from the BindConfig and its JSON codec from the App
// serving r; without one it uses the BindConfig defaults
// and StdJSON.
//
// Every problem with the request is returned as an *Error:
//
//   - 400 for malformed JSON (with line and column), a JSON value of the wrong
//     type or an unknown JSON key (both naming the field), data after the JSON
//     value, and query, path, header or form values that do not parse
//     (naming the parameter);
//   - 413 when the body exceeds BindConfig.MaxBodyBytes or
//     MaxMultipartBytes, or an outer http.MaxBytesReader;
//   - 415 for a body whose Content-Type Bind does not decode;
//   - 422 from Validate, listing every failing field.
//
// Passing anything but a non-nil pointer to a struct, or a struct whose
// tagged fields have types Bind cannot fill, is a programmer error: Bind
// returns a plain error, which the error handler answers with 500.
//
// Security: the body is never read past its limit, the JSON decoder rejects
// unknown keys unless BindConfig.AllowUnknownFields is set, and a field
// tagged for the query, path, header or form is never filled from a JSON key
// that happens to match its Go name. Bind consumes r.Body; after a form body
// is bound r.PostForm holds it, and after a multipart body r.MultipartForm
// (whose temporary files net/http removes when the handler returns).
//
// Bind is safe for concurrent use; each call must have its own dst.
func Bind(r *http.Request, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("kiln: Bind needs a non-nil pointer to a struct, got %s; pass &v where v is a struct", typeName(dst))
	}
	plan := bindPlanFor(rv.Type().Elem())
	if plan.err != nil {
		return plan.err
	}
	cfg := BindConfig{}
	var codec JSONCodec = StdJSON{}
	if app := appFromRequest(r); app != nil {
		cfg = app.Config().Bind
		if c := app.JSONCodec(); c != nil {
			codec = c
		}
	}
	b := binder{r: r, plan: plan, v: rv.Elem()}
	if err := b.body(cfg, codec, dst); err != nil {
		return err
	}
	if len(plan.query) > 0 && r.URL != nil && r.URL.RawQuery != "" {
		if err := b.query(r.URL.RawQuery); err != nil {
			return err
		}
	}
	for _, f := range plan.header {
		b.set(f, f.header, r.Header[f.header])
	}
	for _, f := range plan.path {
		if s := r.PathValue(f.path); s != "" {
			b.set(f, f.path, []string{s})
		}
	}
	if len(b.errs) > 0 {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_field", Message: "The request has fields that could not be read.", Fields: b.errs}
	}
	if !plan.validates {
		return nil
	}
	return validateValue(r.Context(), dst, plan, b.pres)
}

// binder holds the state of one Bind call.
type binder struct {
	r    *http.Request
	plan *bindPlan
	v    reflect.Value // the struct dst points to
	errs []FieldError
	pres *bindPresence
}

// Content types Bind decodes, in the words of the 415 message.
const bindAcceptedTypes = "application/json, application/x-www-form-urlencoded or multipart/form-data"

func (b *binder) body(cfg BindConfig, codec JSONCodec, dst any) error {
	r := b.r
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	mt := bindMediaType(ct)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return b.json(cfg, codec, dst)
	case mt == "application/x-www-form-urlencoded":
		return b.form(cfg)
	case mt == "multipart/form-data":
		return b.multipart(cfg, ct)
	}
	if r.ContentLength < 0 {
		// Length unknown: only a body that actually has bytes needs a type.
		var one [1]byte
		n, err := io.ReadFull(r.Body, one[:])
		if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			return nil
		}
	}
	if ct == "" {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "The request has a body but no Content-Type; send " + bindAcceptedTypes + "."}
	}
	if len(ct) > 100 {
		ct = ct[:100] + "…"
	}
	return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Message: fmt.Sprintf("Content-Type %q is not supported; send %s.", ct, bindAcceptedTypes)}
}

// bindMediaType returns the lower-cased media type of a Content-Type header,
// without parameters. It does not allocate for the common lower-case forms.
func bindMediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if c := ct[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(ct)
		}
	}
	return ct
}

// bindBuf is a pooled body buffer. Decoders copy what they keep, so the
// bytes can be reused once decoding is done.
type bindBuf struct{ b []byte }

var bindBufPool = sync.Pool{New: func() any { return &bindBuf{b: make([]byte, 0, 1024)} }}

// Buffers that grew past this are dropped rather than pooled.
const bindBufKeep = 64 << 10

func (b *binder) readBody(limit int64, buf []byte) ([]byte, error) {
	r := b.r
	if r.ContentLength > limit {
		return buf, bindTooLarge(limit)
	}
	if r.ContentLength > 0 && int64(cap(buf)) < r.ContentLength+1 {
		buf = make([]byte, 0, r.ContentLength+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		end := cap(buf)
		if int64(end) > limit+1 {
			end = int(limit + 1)
		}
		n, err := r.Body.Read(buf[len(buf):end])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, bindTooLarge(limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return buf, bindTooLarge(mbe.Limit).WithCause(err)
			}
			return buf, &Error{Status: http.StatusBadRequest, Code: "unreadable_body", Message: "The request body could not be read.", Err: err}
		}
	}
}

func bindTooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
		Message: "The request body is larger than the limit of " + bindSize(limit) + "."}
}

func bindSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func (b *binder) json(cfg BindConfig, codec JSONCodec, dst any) error {
	pb := bindBufPool.Get().(*bindBuf)
	defer func() {
		if cap(pb.b) <= bindBufKeep {
			bindBufPool.Put(pb)
		}
	}()
	body, err := b.readBody(cfg.maxBody(), pb.b[:0])
	pb.b = body
	if err != nil {
		return err
	}
	if bindBlank(body) {
		return nil // an empty body is an empty object
	}
	strict := !cfg.AllowUnknownFields
	rd := bindReaderPool.Get().(*bytes.Reader)
	rd.Reset(body)
	err = codec.Decode(rd, dst, strict)
	rd.Reset(nil)
	bindReaderPool.Put(rd)
	if err != nil {
		return bindJSONError(err, body, b.plan, strict)
	}
	for _, f := range b.plan.notJSON {
		b.v.FieldByIndex(f.index).SetZero()
	}
	if b.plan.jsonPresence {
		s := bindScan{data: body, target: -1, pres: b.presence()}
		s.top(b.plan.typ)
	}
	return nil
}

var bindReaderPool = sync.Pool{New: func() any { return new(bytes.Reader) }}

// bindString views b as a string without copying, for look-ups and
// comparisons; the result must not be kept.
func bindString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func bindBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func (b *binder) presence() *bindPresence {
	if b.pres == nil {
		b.pres = new(bindPresence)
	}
	return b.pres
}

// bindJSONError turns a decoder error into a client error. It never lets the
// decoder's own message through except for syntax errors, whose text
// describes only the client's own bytes.
func bindJSONError(err error, body []byte, plan *bindPlan, strict bool) error {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return bindTooLarge(mbe.Limit).WithCause(err)
	}
	malformed := func(pos int, what string) *Error {
		line, col := bindLineCol(body, pos)
		return &Error{Status: http.StatusBadRequest, Code: "malformed_json",
			Message: fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, what), Err: err}
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return malformed(int(se.Offset)-1, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return malformed(len(body), "unexpected end of input")
	}
	if ue, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		field := ue.Field
		s := bindScan{data: body, target: int(ue.Offset) - 1}
		s.top(plan.typ)
		if s.atSet {
			field = s.at
		}
		if field == "" {
			return &Error{Status: http.StatusBadRequest, Code: "invalid_json",
				Message: "The request body must be a JSON object.", Err: err}
		}
		return &Error{Status: http.StatusBadRequest, Code: "invalid_field", Message: "The request has fields of the wrong type.",
			Fields: []FieldError{{Field: field, Message: bindJSONTypeMessage(ue), Code: "type"}}, Err: err}
	}
	s := bindScan{data: body, target: -1, strict: strict, findUnknown: true}
	s.top(plan.typ)
	if s.unknownSet {
		return &Error{Status: http.StatusBadRequest, Code: "unknown_field", Message: "The request has a field this endpoint does not accept.",
			Fields: []FieldError{{Field: s.unknown, Message: "is not a known field", Code: "unknown"}}, Err: err}
	}
	if s.trailing {
		return malformed(s.pos, "unexpected data after the JSON value").WithCode("trailing_data")
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "The request body has a value that could not be decoded.", Err: err}
}

// bindLineCol returns the 1-based line and column of byte pos in b.
func bindLineCol(b []byte, pos int) (line, col int) {
	pos = max(0, min(pos, len(b)))
	line, start := 1, 0
	for i := 0; i < pos; i++ {
		if b[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCount(b[start:pos]) + 1
}

func bindJSONTypeMessage(ue *json.UnmarshalTypeError) string {
	t := ue.Type
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "has the wrong type"
	}
	got := ue.Value
	isNumber := strings.HasPrefix(got, "number")
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if isNumber {
			if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64 {
				return "must be a non-negative integer that fits in " + strconv.Itoa(t.Bits()) + " bits"
			}
			return "must be an integer that fits in " + strconv.Itoa(t.Bits()) + " bits"
		}
		return "must be a number"
	case reflect.Float32, reflect.Float64:
		if isNumber {
			return "is out of range"
		}
		return "must be a number"
	case reflect.String:
		return "must be a string"
	case reflect.Bool:
		return "must be true or false"
	case reflect.Slice, reflect.Array:
		return "must be an array"
	case reflect.Struct, reflect.Map:
		return "must be an object"
	}
	return "has the wrong type"
}

func (b *binder) form(cfg BindConfig) error {
	r := b.r
	vals := r.PostForm
	if vals == nil {
		pb := bindBufPool.Get().(*bindBuf)
		body, err := b.readBody(cfg.maxBody(), pb.b[:0])
		if err == nil {
			vals, err = url.ParseQuery(string(body))
			if err != nil {
				err = &Error{Status: http.StatusBadRequest, Code: "malformed_form", Message: "The form body is not valid URL-encoded data.", Err: err}
			}
		}
		pb.b = body
		if cap(pb.b) <= bindBufKeep {
			bindBufPool.Put(pb)
		}
		if err != nil {
			return err
		}
		r.PostForm = vals
	}
	for _, f := range b.plan.form {
		if f.kind != bkFile && f.kind != bkFiles {
			b.set(f, f.form, vals[f.form])
		}
	}
	return nil
}

func (b *binder) multipart(cfg BindConfig, ct string) error {
	r := b.r
	form := r.MultipartForm
	if form == nil {
		limit := cfg.maxMultipart()
		if r.ContentLength > limit {
			return bindTooLarge(limit)
		}
		_, params, err := mime.ParseMediaType(ct)
		if err != nil || params["boundary"] == "" {
			return &Error{Status: http.StatusBadRequest, Code: "malformed_multipart", Message: "The multipart Content-Type has no boundary.", Err: err}
		}
		body := http.MaxBytesReader(nil, r.Body, limit)
		form, err = multipart.NewReader(body, params["boundary"]).ReadForm(cfg.maxMultipartMemory())
		if err != nil {
			if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return bindTooLarge(mbe.Limit).WithCause(err)
			}
			if errors.Is(err, multipart.ErrMessageTooLarge) {
				return bindTooLarge(limit).WithCause(err)
			}
			return &Error{Status: http.StatusBadRequest, Code: "malformed_multipart", Message: "The multipart body could not be read.", Err: err}
		}
		r.MultipartForm = form
	}
	for _, f := range b.plan.form {
		switch f.kind {
		case bkFile:
			if fhs := form.File[f.form]; len(fhs) > 0 {
				b.v.FieldByIndex(f.index).Set(reflect.ValueOf(fhs[0]))
			}
		case bkFiles:
			if fhs := form.File[f.form]; len(fhs) > 0 {
				b.v.FieldByIndex(f.index).Set(reflect.ValueOf(fhs))
			}
		default:
			b.set(f, f.form, form.Value[f.form])
		}
	}
	return nil
}

// query binds the raw query string in one pass without building url.Values.
// The first value of a repeated key wins for a non-slice field, as with
// url.Values.Get; slice fields gather every value.
func (b *binder) query(raw string) error {
	var seenSmall [2]uint64
	seen := seenSmall[:]
	if n := len(b.plan.query); n > 128 {
		seen = make([]uint64, (n+63)/64)
	}
	var one [1]string
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		if strings.IndexByte(pair, ';') >= 0 {
			return bindMalformedQuery(errors.New("invalid semicolon separator in query"))
		}
		key, val, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(key)
		if err != nil {
			return bindMalformedQuery(err)
		}
		i, ok := b.plan.queryIdx[key]
		if !ok {
			continue
		}
		f := b.plan.query[i]
		if f.slice {
			if seen[i/64]&(1<<(i%64)) == 0 {
				seen[i/64] |= 1 << (i % 64)
				vals, err := bindQueryValues(raw, key, val)
				if err != nil {
					return bindMalformedQuery(err)
				}
				b.set(f, f.query, vals)
			}
			continue
		}
		if seen[i/64]&(1<<(i%64)) != 0 {
			continue
		}
		seen[i/64] |= 1 << (i % 64)
		if one[0], err = url.QueryUnescape(val); err != nil {
			return bindMalformedQuery(err)
		}
		b.set(f, f.query, one[:])
	}
	return nil
}

// bindQueryValues gathers every value of key: first (still escaped), then
// those in the rest of the raw query.
func bindQueryValues(rest, key, first string) ([]string, error) {
	v, err := url.QueryUnescape(first)
	if err != nil {
		return nil, err
	}
	vals := []string{v}
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		k, val, _ := strings.Cut(pair, "=")
		if k, err = url.QueryUnescape(k); err != nil {
			return nil, err
		}
		if k != key {
			continue
		}
		if v, err = url.QueryUnescape(val); err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	return vals, nil
}

func bindMalformedQuery(err error) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "malformed_query", Message: "The query string is not valid URL-encoded data.", Err: err}
}

// set parses vals into field f, recording a FieldError named name when a
// value does not parse and presence when a value was given.
func (b *binder) set(f *bindField, name string, vals []string) {
	if len(vals) == 0 {
		return
	}
	fv := b.v.FieldByIndex(f.index)
	present := false
	if f.slice {
		n := 0
		for _, s := range vals {
			if s != "" || f.kind == bkString {
				n++
			}
		}
		if n == 0 {
			return
		}
		sv := reflect.MakeSlice(fv.Type(), n, n)
		i := 0
		for _, s := range vals {
			if s == "" && f.kind != bkString {
				continue
			}
			if msg := bindParse(sv.Index(i), f, s); msg != "" {
				b.errs = append(b.errs, FieldError{Field: name, Message: msg, Code: "type"})
				return
			}
			i++
		}
		fv.Set(sv)
		present = true
	} else {
		s := vals[0]
		if s == "" && f.kind != bkString {
			return
		}
		target := fv
		if f.ptr {
			target = reflect.New(f.elem).Elem()
		}
		if msg := bindParse(target, f, s); msg != "" {
			b.errs = append(b.errs, FieldError{Field: name, Message: msg, Code: "type"})
			return
		}
		if f.ptr {
			fv.Set(target.Addr())
		}
		present = s != ""
	}
	if present && f.presence {
		b.presence().add(f.name, f.rest)
	}
}

// bindParse parses s into the addressable value v of f's element kind and
// returns "" or a message for the client.
func bindParse(v reflect.Value, f *bindField, s string) string {
	switch f.kind {
	case bkString:
		v.SetString(s)
	case bkBool:
		switch s {
		case "on":
			v.SetBool(true)
		case "off":
			v.SetBool(false)
		default:
			x, err := strconv.ParseBool(s)
			if err != nil {
				return "must be true or false"
			}
			v.SetBool(x)
		}
	case bkInt:
		x, err := strconv.ParseInt(s, 10, f.bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				lim := int64(1) << (f.bits - 1)
				return fmt.Sprintf("must be an integer between %d and %d", -lim, lim-1)
			}
			return "must be an integer"
		}
		v.SetInt(x)
	case bkUint:
		x, err := strconv.ParseUint(s, 10, f.bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Sprintf("must be an integer between 0 and %d", uint64(1)<<f.bits-1)
			}
			return "must be a non-negative integer"
		}
		v.SetUint(x)
	case bkFloat:
		x, err := strconv.ParseFloat(s, f.bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return "is out of range"
			}
			return "must be a number"
		}
		v.SetFloat(x)
	case bkDuration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return "must be a duration such as 30s or 1h30m"
		}
		v.SetInt(int64(d))
	case bkTime:
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return "must be a date and time in RFC 3339 format, such as 2006-01-02T15:04:05Z"
		}
		*v.Addr().Interface().(*time.Time) = t
	case bkText:
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return "is not a valid value"
		}
	default:
		return "cannot be bound"
	}
	return ""
}

// bindPresence records which presence-sensitive fields a request gave a
// value for, by client path ("age", "items[2].qty"), with the rules of each
// field's validate tag that follow `required`. Validation consults it to let
// a present zero value satisfy `required` (see validate.go).
type bindPresence struct{ entries []bindPresent }

type bindPresent struct{ path, rest string }

func (p *bindPresence) add(path, rest string) {
	for _, e := range p.entries {
		if e.path == path {
			return
		}
	}
	p.entries = append(p.entries, bindPresent{path, rest})
}

func (p *bindPresence) lookup(path string) (rest string, ok bool) {
	if p == nil {
		return "", false
	}
	for _, e := range p.entries {
		if e.path == path {
			return e.rest, true
		}
	}
	return "", false
}

// Plans.

type bindKind uint8

const (
	bkNone bindKind = iota
	bkString
	bkBool
	bkInt
	bkUint
	bkFloat
	bkDuration
	bkTime
	bkText
	bkFile
	bkFiles
)

// bindField describes one struct field: its names and how to fill it.
type bindField struct {
	index     []int  // from the plan's struct, through embedded structs
	goName    string // Go field name
	name      string // the name clients know it by: json, form, query, path, header tag, else goName
	json      string // key in JSON objects (json tag name, else goName); "" when encoding/json skips it
	jsonTag   bool   // the json tag names the field
	form      string // source names from the tags; "" when not bound from that source
	query     string
	path      string
	header    string // canonical header key
	typ       reflect.Type
	anonymous bool // an embedded struct whose fields are promoted

	kind  bindKind     // element kind for string sources
	bits  int          // bit size for numbers
	ptr   bool         // field is *T
	slice bool         // field is []T
	elem  reflect.Type // T for *T and []T

	presence bool   // `required` on a kind whose zero value a client can send
	rest     string // validate rules after `required`, for a present zero value
}

// bindPlan is the cached binding and naming plan for a struct type.
type bindPlan struct {
	typ    reflect.Type
	err    error                 // programmer error to return from Bind
	byGo   map[string]*bindField // direct fields by Go name
	json   []*bindField          // JSON keys, embedded fields promoted
	form   []*bindField
	query  []*bindField
	header []*bindField
	path   []*bindField
	// queryIdx indexes query by name.
	queryIdx map[string]int
	// notJSON lists fields filled from another source that encoding/json
	// would also fill by Go name; they are reset after decoding.
	notJSON []*bindField
	// validates reports whether the type, or a type inside it, has a
	// validate tag.
	validates bool
	// jsonPresence reports whether a JSON body must be scanned for the
	// presence of fields whose `required` depends on it.
	jsonPresence bool
}

var bindPlans sync.Map // reflect.Type → *bindPlan

func bindPlanFor(t reflect.Type) *bindPlan {
	if p, ok := bindPlans.Load(t); ok {
		return p.(*bindPlan)
	}
	p, _ := bindPlans.LoadOrStore(t, bindBuildPlan(t))
	return p.(*bindPlan)
}

var (
	bindTimeType       = reflect.TypeFor[time.Time]()
	bindDurationType   = reflect.TypeFor[time.Duration]()
	bindFileType       = reflect.TypeFor[*multipart.FileHeader]()
	bindFilesType      = reflect.TypeFor[[]*multipart.FileHeader]()
	bindTextType       = reflect.TypeFor[encoding.TextUnmarshaler]()
	bindJSONUnmarshal  = reflect.TypeFor[json.Unmarshaler]()
	bindRawMessageType = reflect.TypeFor[json.RawMessage]()
)

func bindTagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

func bindBuildPlan(t reflect.Type) *bindPlan {
	p := &bindPlan{typ: t, byGo: make(map[string]*bindField), queryIdx: make(map[string]int)}
	p.validates, p.jsonPresence = bindScanType(t)
	jsonDepth := map[string]int{}
	p.collect(t, nil, 0, true, jsonDepth)
	for i, f := range p.query {
		if _, dup := p.queryIdx[f.query]; !dup {
			p.queryIdx[f.query] = i
		}
	}
	return p
}

// collect adds t's fields, promoting those of embedded structs as
// encoding/json does (a shallower name wins). direct is true for t itself;
// sources are bound only through embedded structs that are not pointers.
func (p *bindPlan) collect(t reflect.Type, index []int, depth int, sources bool, jsonDepth map[string]int) {
	if depth > 16 {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.PkgPath != "" && !sf.Anonymous {
			continue
		}
		f := bindNewField(sf, append(append([]int(nil), index...), i))
		if depth == 0 {
			p.byGo[sf.Name] = f
		}
		if f.anonymous {
			et := sf.Type
			viaPtr := et.Kind() == reflect.Pointer
			if viaPtr {
				et = et.Elem()
			}
			p.collect(et, f.index, depth+1, sources && !viaPtr, jsonDepth)
			continue
		}
		if sf.PkgPath != "" { // unexported embedded non-struct
			continue
		}
		if f.json != "" {
			if d, taken := jsonDepth[f.json]; !taken || d > depth {
				jsonDepth[f.json] = depth
				p.json = append(p.json, f)
			}
		}
		hasSource := f.form != "" || f.query != "" || f.path != "" || f.header != ""
		if !hasSource {
			continue
		}
		if !sources {
			p.err = fmt.Errorf("kiln: cannot bind %s.%s: form, query, path and header tags are not supported inside embedded struct pointers; embed the struct by value", p.typ, sf.Name)
			continue
		}
		if f.kind == bkNone {
			p.err = fmt.Errorf("kiln: cannot bind %s.%s of type %s from a form, query, path or header value; use a string, bool, integer, float, time.Time, time.Duration or encoding.TextUnmarshaler, a pointer to or slice of one of those, or *multipart.FileHeader ([]*multipart.FileHeader) with a form tag", p.typ, sf.Name, sf.Type)
			continue
		}
		if (f.kind == bkFile || f.kind == bkFiles) && (f.query != "" || f.path != "" || f.header != "") {
			p.err = fmt.Errorf("kiln: cannot bind %s.%s: uploaded files come only from a form tag", p.typ, sf.Name)
			continue
		}
		if f.form != "" {
			p.form = append(p.form, f)
		}
		if f.query != "" {
			p.query = append(p.query, f)
		}
		if f.header != "" {
			p.header = append(p.header, f)
		}
		if f.path != "" {
			p.path = append(p.path, f)
		}
		if !f.jsonTag && f.json != "" {
			p.notJSON = append(p.notJSON, f)
		}
	}
}

func bindNewField(sf reflect.StructField, index []int) *bindField {
	f := &bindField{index: index, goName: sf.Name, typ: sf.Type}
	jtag := sf.Tag.Get("json")
	jname := bindTagName(jtag)
	switch {
	case jtag == "-":
		// skipped by encoding/json
	case jname != "":
		f.json, f.jsonTag = jname, true
	case sf.Anonymous:
		et := sf.Type
		if et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if et.Kind() == reflect.Struct {
			f.anonymous = true
		} else if sf.PkgPath == "" {
			f.json = sf.Name
		}
	default:
		f.json = sf.Name
	}
	src := func(tag string) string {
		n := bindTagName(sf.Tag.Get(tag))
		if n == "-" {
			return ""
		}
		return n
	}
	f.form, f.query, f.path, f.header = src("form"), src("query"), src("path"), src("header")
	if f.header != "" {
		f.header = textproto.CanonicalMIMEHeaderKey(f.header)
	}
	switch {
	case f.jsonTag:
		f.name = f.json
	case f.form != "":
		f.name = f.form
	case f.query != "":
		f.name = f.query
	case f.path != "":
		f.name = f.path
	case f.header != "":
		f.name = f.header
	default:
		f.name = sf.Name
	}
	bindSetKind(f, sf.Type)
	if rest, ok := validRequiredRest(sf.Tag.Get("validate")); ok && validPresenceKind(sf.Type) {
		f.presence, f.rest = true, rest
	}
	return f
}

func bindSetKind(f *bindField, t reflect.Type) {
	switch t {
	case bindFileType:
		f.kind = bkFile
		return
	case bindFilesType:
		f.kind = bkFiles
		return
	}
	if k, bits := bindScalarKind(t); k != bkNone {
		f.kind, f.bits, f.elem = k, bits, t
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		f.ptr = true
	case reflect.Slice:
		f.slice = true
	default:
		return
	}
	if k, bits := bindScalarKind(t.Elem()); k != bkNone {
		f.kind, f.bits, f.elem = k, bits, t.Elem()
	} else {
		f.ptr, f.slice = false, false
	}
}

func bindScalarKind(t reflect.Type) (bindKind, int) {
	switch t {
	case bindTimeType:
		return bkTime, 0
	case bindDurationType:
		return bkDuration, 64
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(bindTextType) {
		return bkText, 0
	}
	switch t.Kind() {
	case reflect.String:
		return bkString, 0
	case reflect.Bool:
		return bkBool, 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return bkInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return bkUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		return bkFloat, t.Bits()
	}
	return bkNone, 0
}

// bindScanType reports whether t, or a struct type reachable from it, has a
// validate tag, and whether a JSON body for t can hold a presence-sensitive
// field.
func bindScanType(t reflect.Type) (validates, presence bool) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for {
			switch t.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Array:
				t = t.Elem()
				continue
			case reflect.Map:
				walk(t.Key())
				t = t.Elem()
				continue
			}
			break
		}
		if t.Kind() != reflect.Struct || t == bindTimeType || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if sf.PkgPath != "" && !sf.Anonymous {
				continue
			}
			if tag := sf.Tag.Get("validate"); tag != "" && tag != "-" {
				validates = true
				if _, ok := validRequiredRest(tag); ok && validPresenceKind(sf.Type) && sf.Tag.Get("json") != "-" {
					presence = true
				}
			}
			walk(sf.Type)
		}
	}
	walk(t)
	return validates, presence
}

// bindScan walks JSON bytes alongside a Go type. It is used to find what the
// decoder's errors leave out (the indexed path of a mistyped value, the first
// unknown key, data after the value) and to record present keys. It expects
// input the decoder has already checked, but it is written to stop, never to
// panic, on anything else.
type bindScan struct {
	data []byte
	pos  int
	path []byte

	target     int // locate the value containing this offset; -1 for none
	at         string
	atSet      bool
	strict     bool
	unknown    string
	unknownSet bool
	trailing   bool
	pres       *bindPresence

	findUnknown bool
	stop        bool
}

const bindScanMaxDepth = 10000

func (s *bindScan) top(t reflect.Type) {
	s.value(t, 0)
	if s.stop {
		return
	}
	s.ws()
	s.trailing = s.pos < len(s.data)
}

func (s *bindScan) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// value walks one JSON value that should decode into t (nil: anything).
func (s *bindScan) value(t reflect.Type, depth int) {
	s.ws()
	if s.stop || s.pos >= len(s.data) || depth > bindScanMaxDepth {
		s.stop = true
		return
	}
	if s.target >= 0 {
		if s.pos > s.target {
			s.stop = true
			return
		}
		s.at, s.atSet = string(s.path), true
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t == bindRawMessageType || reflect.PointerTo(t).Implements(bindJSONUnmarshal)) {
		t = nil
	}
	switch s.data[s.pos] {
	case '{':
		s.object(t, depth)
	case '[':
		s.array(t, depth)
	case '"':
		s.str()
	default:
		start := s.pos
		for s.pos < len(s.data) {
			c := s.data[s.pos]
			if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				break
			}
			s.pos++
		}
		if s.pos == start {
			s.stop = true
		}
	}
}

// str skips a string and returns its raw contents (without quotes) and
// whether it has escapes.
func (s *bindScan) str() (raw []byte, escaped bool) {
	start := s.pos + 1
	for i := start; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			s.pos = i + 1
			return s.data[start:i], escaped
		}
	}
	s.stop = true
	return nil, false
}

func (s *bindScan) object(t reflect.Type, depth int) {
	var plan *bindPlan
	var elem reflect.Type
	isMap := false
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			if t != bindTimeType {
				plan = bindPlanFor(t)
			}
		case reflect.Map:
			isMap, elem = true, t.Elem()
		}
	}
	s.pos++ // {
	base := len(s.path)
	for first := true; ; first = false {
		s.ws()
		if s.pos >= len(s.data) {
			s.stop = true
			return
		}
		if s.data[s.pos] == '}' {
			s.pos++
			return
		}
		if !first {
			if s.data[s.pos] != ',' {
				s.stop = true
				return
			}
			s.pos++
			s.ws()
		}
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			s.stop = true
			return
		}
		raw, escaped := s.str()
		if s.stop {
			return
		}
		key := bindString(raw)
		if escaped {
			var k string
			if json.Unmarshal(s.data[s.pos-len(raw)-2:s.pos], &k) != nil {
				s.stop = true
				return
			}
			key = k
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			s.stop = true
			return
		}
		s.pos++
		var ft reflect.Type
		switch {
		case plan != nil:
			f := plan.jsonField(key)
			if f == nil {
				s.appendKey(base, key)
				if s.findUnknown && s.strict && !s.unknownSet {
					s.unknown, s.unknownSet = string(s.path), true
					s.stop = true
					return
				}
			} else {
				s.appendKey(base, f.name)
				ft = f.typ
				if f.presence && s.pres != nil {
					s.pres.add(string(s.path), f.rest)
				}
			}
		case isMap:
			s.path = append(append(append(s.path[:base], '['), key...), ']')
			ft = elem
		default:
			s.appendKey(base, key)
		}
		s.value(ft, depth+1)
		s.path = s.path[:base]
		if s.stop {
			return
		}
	}
}

func (s *bindScan) appendKey(base int, key string) {
	s.path = s.path[:base]
	if base > 0 {
		s.path = append(s.path, '.')
	}
	s.path = append(s.path, key...)
}

func (s *bindScan) array(t reflect.Type, depth int) {
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	s.pos++ // [
	base := len(s.path)
	for i := 0; ; i++ {
		s.ws()
		if s.pos >= len(s.data) {
			s.stop = true
			return
		}
		if s.data[s.pos] == ']' {
			s.pos++
			return
		}
		if i > 0 {
			if s.data[s.pos] != ',' {
				s.stop = true
				return
			}
			s.pos++
		}
		s.path = strconv.AppendInt(append(s.path[:base], '['), int64(i), 10)
		s.path = append(s.path, ']')
		s.value(elem, depth+1)
		s.path = s.path[:base]
		if s.stop {
			return
		}
	}
}

// jsonField finds the field for a JSON object key the way encoding/json
// does: an exact match first, then a case-insensitive one.
func (p *bindPlan) jsonField(key string) *bindField {
	for _, f := range p.json {
		if f.json == key {
			return f
		}
	}
	for _, f := range p.json {
		if strings.EqualFold(f.json, key) {
			return f
		}
	}
	return nil
}
